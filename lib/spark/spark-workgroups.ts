/**
 * Athena names its engines by version string: SQL workgroups run `Athena engine version 2`/`3`;
 * Spark ones `PySpark engine version 3` (Spark 3.2.1, notebooks) or `Apache Spark version 3.5`
 * (Athena user guide, "Release versions" of Amazon Athena for Apache Spark). A workgroup is a
 * Spark one when its effective engine version (else the selected one) names Spark.
 */
const SPARK_ENGINE_VERSION = /\b(py)?spark\b/i;

export function isSparkEngineVersion(engineVersion: string | undefined): boolean {
  return engineVersion !== undefined && SPARK_ENGINE_VERSION.test(engineVersion);
}
