/**
 * A subscription filter policy as portout-watch's config allows it: per message attribute, exact values to
 * deliver, or `{ anythingBut }` values to hold back (lib/config.ts validates it at synth).
 */
export type FilterPolicy = Record<string, string[] | { anythingBut: string[] }>;

/**
 * Whether SNS would deliver a message with these attributes to a subscription with this policy. Chatbot makes its
 * own subscriptions, where no filter policy can be set, so the notifier applies chat channels' policies itself.
 * SNS's rules (docs.aws.amazon.com/sns/latest/dg/sns-subscription-filter-policies.html): every attribute the
 * policy names must be on the message, and for each, at least one of the message's values (one for String,
 * any of a String.Array's) must match.
 */
export function matchesFilterPolicy(policy: FilterPolicy, attributes: Readonly<Record<string, string | string[]>>): boolean {
  return Object.entries(policy).every(([name, match]) => {
    const value = attributes[name];
    if (value === undefined) return false;
    const values = Array.isArray(value) ? value : [value];
    return Array.isArray(match)
      ? values.some((item) => match.includes(item))
      : values.some((item) => !match.anythingBut.includes(item));
  });
}
