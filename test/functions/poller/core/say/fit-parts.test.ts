import { describe, expect, it } from 'vitest';
import { fitParts, type TextPart } from '../../../../../functions/poller/core/say/fit-parts.ts';

const within = (max: number) => (text: string) => text.length <= max;

const parts: TextPart[] = [
  { variants: ['HEAD'], priority: 0, required: true },
  { variants: [' number', ' n'], priority: 1 },
  { variants: [' carrier'], priority: 3 },
  { variants: [' key'], priority: 2 },
];

describe('fitParts', () => {
  it('keeps every part, in display order, when all fit', () => {
    expect(fitParts(parts, within(100))).toBe('HEAD number carrier key');
  });

  it('drops the least important part first', () => {
    expect(fitParts(parts, within(15))).toBe('HEAD number key');
  });

  it('falls back to a shorter variant before dropping a part', () => {
    expect(fitParts(parts, within(10))).toBe('HEAD n key');
  });

  it('drops a part whole rather than cutting it', () => {
    expect(fitParts(parts, within(6))).toBe('HEAD n');
  });

  it('keeps a required part, in its shortest variant, even when nothing fits', () => {
    expect(fitParts(parts, within(2))).toBe('HEAD');
  });

  it('lets a less important part in when a more important one could not fit', () => {
    const tight: TextPart[] = [
      { variants: ['H'], priority: 0 },
      { variants: [' long part'], priority: 1 },
      { variants: [' k'], priority: 2 },
    ];
    expect(fitParts(tight, within(4))).toBe('H k');
  });
});
