/**
 * What checking untrusted input (an event, a stored item, a CloudTrail identity) gives: the
 * checked value under its own name, or the reason it was refused. A reason, not a throw, so that
 * one bad record is reported and the rest of its batch goes on.
 */
export type Checked<Value extends object> =
  | ({ readonly ok: true } & Readonly<Value>)
  | { readonly ok: false; readonly reason: string };
