import { unreadableField, type UnreadableField } from '../portout.ts';

// Fields Telnyx sent in a shape that can't be read: every channel says so, with the raw value (already sanitized
// and cut short by readers in the adapter), rather than passing them off as "not given".

type WithUnreadable = { unreadable: readonly UnreadableField[] };

/** The raw value of an unreadable field, or undefined if the field was readable (or absent). */
export function unreadableRaw(item: WithUnreadable, field: string): string | undefined {
  return unreadableField(item, field)?.value;
}

/** What an email shows for a field that is null: "unreadable: Telnyx sent ..." if that is why, else `missing`. */
export function missingText(item: WithUnreadable, field: string, missing: string): string {
  const value = unreadableRaw(item, field);
  return value === undefined ? missing : `unreadable: Telnyx sent ${value}`;
}

/** For the JSON document: the unreadable fields by their Telnyx names, and what each held. */
export function unreadableDocument(item: WithUnreadable): { unreadableFields: string[]; unreadableValues: Record<string, string> } {
  return {
    unreadableFields: item.unreadable.map((entry) => entry.field),
    unreadableValues: Object.fromEntries(item.unreadable.map((entry) => [entry.field, entry.value])),
  };
}

/** The email's closing word on every unreadable field, so none goes unmentioned whatever the sections show. */
export function unreadableSection(item: WithUnreadable): string[] {
  if (item.unreadable.length === 0) return [];
  return [
    [
      "Fields portout-watch can't read (Telnyx sent them in an unexpected shape; shown as sent, cut short)",
      ...item.unreadable.map((entry) => `  ${entry.field}: ${entry.value}`),
    ].join('\n'),
  ];
}
