/** One piece of a short message (an SMS, a subject line). */
export interface TextPart {
  /** Ways to say it, most informative first. Each carries its own leading separator (" ", ". "), if it needs one. */
  variants: readonly string[];
  /** Lower is more important: parts are placed in this order, so the least important are the first to go. */
  priority: number;
  /** Kept even when nothing fits, in its last (shortest) variant, so a message always says something. */
  required?: boolean;
}

/**
 * Joins the parts in their given order, keeping the most important ones that fit. Parts are placed by priority,
 * each in the first variant that still fits beside those already placed; a part that fits in no variant is
 * dropped whole. Nothing is ever cut mid-part, so a number or key is shown entire or not at all.
 */
export function fitParts(parts: readonly TextPart[], fits: (text: string) => boolean): string {
  const chosen: Array<string | null> = parts.map(() => null);
  const joined = () => chosen.filter((text): text is string => text !== null).join('');
  const byPriority = parts
    .map((part, index) => ({ part, index }))
    .sort((a, b) => a.part.priority - b.part.priority || a.index - b.index);
  for (const { part, index } of byPriority) {
    for (const variant of part.variants) {
      chosen[index] = variant;
      if (fits(joined())) break;
      chosen[index] = null;
    }
    if (chosen[index] === null && part.required) chosen[index] = part.variants.at(-1) ?? null;
  }
  return joined();
}
