import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AccountRef } from '../../../../../functions/poller/core/accounts.ts';
import { newTrackedPortout } from '../../../../../functions/poller/core/diff.ts';
import type { PortoutComment, PortoutEvent, TrackedPortout } from '../../../../../functions/poller/core/model.ts';
import type { Portout } from '../../../../../functions/poller/core/portout.ts';
import { CHAT_LIMITS, type ChatNotification } from '../../../../../functions/poller/core/say/chat.ts';
import type { GroupedEvent } from '../../../../../functions/poller/core/say/context.ts';
import { renderAlert, renderGroup } from '../../../../../functions/poller/core/say/render.ts';
import { anyEvent, anyNow, anyPortout } from '../../../../support/event-arbitraries.ts';
import { portout, portoutComment } from '../../../../support/factories.ts';

const NOW = new Date('2026-11-27T16:00:00.000Z');
const PORTAL = 'https://portal.telnyx.com/#/app/numbers/port-outs';
const trackedFrom = (p: Portout): TrackedPortout => newTrackedPortout(p, NOW, []);
const listed = portout({ id: 'po-1', phoneNumbers: ['+13035551212', '+13035551213', '+14165550100'] });
const tracked = trackedFrom(listed);
const staffComment: PortoutComment = portoutComment({
  id: 'c1',
  portoutId: 'po-1',
  body: 'The rejection reason given does not match our records.\nPlease provide a valid reason.',
  createdAt: '2026-11-27T15:30:00.000Z',
});

const chatOf = (event: PortoutEvent, alertId = 'alert-1') => renderAlert(event, alertId, NOW).chat as ChatNotification;

const NUMBERS = '*Numbers (3):* `+13035551212`, `+13035551213`, `+14165550100`';
const CARRIER = '*Gaining carrier:* `Gaining Wireless`';
const AUTO_AUTH = '*Auto-authorization:* 2026-11-28 10:00 UTC to 2026-11-29 10:00 UTC (18h left to reject)';
const FOC = '*FOC date:* 2026-12-01 15:00 UTC (3d 23h left)';
const KEY = '*Support key:* `PO_764725`';
const ID = '*Port-out id:* `po-1`';
const STAFF_COMMENT =
  '*Comment from Telnyx porting staff:* `The rejection reason given does not match our records. Please provide a valid reason.`';
const REJECT_STEPS = [
  `If you did not ask for this, reject it in the Telnyx portal: ${PORTAL}`,
  'Or by API: `PATCH https://api.telnyx.com/v2/portouts/po-1/rejected-pending` with the real reason',
];
const lines = (...parts: string[]) => parts.join('\n');

describe('renderAlert: the chat message (AWS Chatbot custom notification)', () => {
  it('a new pending request: the whole notification, threaded on the port-out id', () => {
    expect(chatOf({ type: 'new', portout: listed, comments: [] }, 'po-1.new.pending.v1')).toEqual({
      version: '1.0',
      source: 'custom',
      id: 'po-1.new.pending.v1',
      content: {
        textType: 'client-markdown',
        title: 'New port-out PENDING: +13035551212 +2 more to Gaining Wireless',
        description: lines(
          'Someone has asked to move these numbers away from your Telnyx account. If you did not ask for this, reject it now.',
          '*Status:* pending',
          NUMBERS,
          CARRIER,
          AUTO_AUTH,
          FOC,
          KEY,
          ID,
        ),
        nextSteps: REJECT_STEPS,
        keywords: ['portout-watch', 'new', 'pending', 'CA', 'US'],
      },
      metadata: {
        threadId: 'po-1',
        summary: 'New port-out PENDING: +13035551212 +2 more to Gaining Wireless',
        eventType: 'new',
        additionalContext: { alertId: 'po-1.new.pending.v1' },
      },
    } satisfies ChatNotification);
  });

  it('an authorized request: the FOC date is what is left, and who to call', () => {
    const chat = chatOf({ type: 'status-changed', portout: { ...listed, status: 'authorized' }, previousStatus: 'pending', tracked, comments: [] });
    expect(chat.content.title).toBe('Port-out AUTHORIZED (was pending): +13035551212 +2 more to Gaining Wireless');
    expect(chat.content.description).toBe(
      lines('This port-out request is now authorized.', '*Status:* authorized (was pending)', NUMBERS, CARRIER, FOC, KEY, ID),
    );
    expect(chat.content.nextSteps).toEqual([
      'If nobody on your side asked for this, contact Telnyx support now, quoting `PO_764725`',
      PORTAL,
    ]);
    expect(chat.metadata).toMatchObject({ threadId: 'po-1', eventType: 'status-changed' });
  });

  it('a refused rejection: pending again, with the staff comment that says why', () => {
    const chat = chatOf({
      type: 'status-changed',
      portout: listed,
      previousStatus: 'rejected-pending',
      tracked: { ...tracked, status: 'rejected-pending' },
      comments: [staffComment],
    });
    expect(chat.content.title).toBe('Port-out rejection refused, PENDING again: +13035551212 +2 more to Gaining Wireless');
    expect(chat.content.description).toBe(
      lines(
        'Telnyx did not accept the rejection: the request is pending again and will be authorized automatically unless you reject it with a valid reason.',
        '*Status:* pending (was rejected-pending)',
        NUMBERS,
        CARRIER,
        AUTO_AUTH,
        FOC,
        KEY,
        STAFF_COMMENT,
        ID,
      ),
    );
    expect(chat.content.nextSteps).toEqual(REJECT_STEPS);
  });

  it('a moved FOC date: the new date counted down, the old one as it was', () => {
    const chat = chatOf({
      type: 'foc-date-changed',
      portout: { ...listed, focDate: '2026-11-29T15:00:00.000Z' },
      tracked,
      previousFocDate: '2026-12-01T15:00:00.000Z',
      comments: [],
    });
    expect(chat.content.title).toBe('Port-out FOC date changed (pending): +13035551212 +2 more to Gaining Wireless');
    expect(chat.content.description).toBe(
      lines(
        'The FOC date of this port-out request changed. The numbers can leave from the FOC date on.',
        '*Status:* pending',
        NUMBERS,
        CARRIER,
        AUTO_AUTH,
        '*FOC date:* 2026-11-29 15:00 UTC (1d 23h left)',
        '*Previous FOC date:* 2026-12-01 15:00 UTC',
        KEY,
        ID,
      ),
    );
    expect(chat.metadata.eventType).toBe('foc-date-changed');
  });

  it('a new comment from Telnyx staff, quoted on one line', () => {
    const chat = chatOf({ type: 'new-comment', portout: listed, tracked, comments: [staffComment] });
    expect(chat.content.title).toBe('Port-out comment from Telnyx (pending): +13035551212 +2 more to Gaining Wireless');
    expect(chat.content.description).toBe(
      lines(
        'Telnyx porting staff commented on this port-out request; staff comments often say why a rejection was not accepted.',
        '*Status:* pending',
        NUMBERS,
        CARRIER,
        AUTO_AUTH,
        FOC,
        KEY,
        STAFF_COMMENT,
        ID,
      ),
    );
  });

  it('an approaching FOC date while Telnyx checks a rejection: nothing to do yet', () => {
    const chat = chatOf({
      type: 'foc-approaching',
      portout: { ...listed, status: 'rejected-pending', focDate: '2026-11-28T10:00:00.000Z' },
      tracked: { ...tracked, status: 'rejected-pending' },
      reminderHours: 24,
    });
    expect(chat.content.title).toBe('Port-out still rejected-pending, FOC within 24h: +13035551212 +2 more to Gaining Wireless');
    expect(chat.content.description).toBe(
      lines(
        'Still rejected-pending, and the FOC date is less than 24 hours away. If these numbers must not leave, act now.',
        '*Status:* rejected-pending',
        NUMBERS,
        CARRIER,
        '*FOC date:* 2026-11-28 10:00 UTC (18h left)',
        KEY,
        ID,
      ),
    );
    expect(chat.content.nextSteps).toEqual([`Nothing for now: if Telnyx finds the reason invalid, it comes back as pending. ${PORTAL}`]);
  });

  it('a request born rejected: possible fraud, with the rejection and no FOC countdown', () => {
    const chat = chatOf({ type: 'possible-fraud', portout: { ...listed, status: 'rejected', rejectionCode: 1002, reason: 'Invalid PIN' } });
    expect(chat.content.title).toBe('Possible fraud: port-out REJECTED at once: +13035551212 +2 more to Gaining Wireless');
    expect(chat.content.description).toBe(
      lines(
        'A port-out request was rejected without ever waiting for your review: with port-out PIN protection on, that is a missing or wrong PIN. Someone may be trying to take these numbers.',
        '*Status:* rejected',
        NUMBERS,
        CARRIER,
        KEY,
        '*Rejection code:* 1002',
        '*Reason:* `Invalid PIN`',
        ID,
      ),
    );
    expect(chat.content.nextSteps).toEqual([
      'Ask Telnyx support who filed it, quoting `PO_764725`',
      'Keep the port-out PIN secret, and change it if it may have leaked',
      `Check that the numbers are still on your account: ${PORTAL}`,
    ]);
    expect(chat.content.keywords).toEqual(['portout-watch', 'possible-fraud', 'rejected', 'CA', 'US']);
  });

  it('a vanished request: what was last known, and where to check', () => {
    const chat = chatOf({ type: 'vanished', tracked });
    expect(chat.content.title).toBe('Port-out no longer found (was pending): +13035551212 +2 more');
    expect(chat.content.description).toBe(
      lines(
        'Telnyx no longer returns this port-out request (404), so portout-watch can no longer follow it. Last known:',
        '*Last status seen:* pending',
        NUMBERS,
        FOC,
        KEY,
        ID,
      ),
    );
    expect(chat.metadata).toMatchObject({ threadId: 'po-1', eventType: 'vanished' });
  });

  it('keeps every event of one port-out in one thread', () => {
    const events: PortoutEvent[] = [
      { type: 'new', portout: listed, comments: [] },
      { type: 'new-comment', portout: listed, tracked, comments: [staffComment] },
      { type: 'status-changed', portout: { ...listed, status: 'ported' }, previousStatus: 'pending', tracked, comments: [] },
      { type: 'vanished', tracked },
    ];
    expect(new Set(events.map((event) => chatOf(event).metadata.threadId))).toEqual(new Set(['po-1']));
  });

  it('neutralizes chat markup and mentions in Telnyx free text', () => {
    const hostile = { ...listed, carrierName: '<!channel> *Evil* `Carrier`', reason: '<@U123> _x_' };
    const chat = chatOf({ type: 'possible-fraud', portout: { ...hostile, status: 'rejected' } });
    expect(chat.content.title).toBe('Possible fraud: port-out REJECTED at once: +13035551212 +2 more to !channel Evil Carrier');
    expect(chat.content.description).toContain("*Gaining carrier:* `<!channel> *Evil* 'Carrier'`");
    expect(chat.content.description).toContain("*Reason:* `<@U123> _x_`");
  });

  it('lists as many numbers as fit, then how many more', () => {
    const many = Array.from({ length: 400 }, (_, index) => `+1303555${String(index).padStart(4, '0')}`);
    const chat = chatOf({ type: 'new', portout: { ...listed, phoneNumbers: many }, comments: [] });
    expect(chat.content.description).toContain('*Numbers (400):* `+13035550000`, `+13035550001`');
    expect(chat.content.description).toContain('`+13035550019` and 380 more');
    expect(chat.content.description.length).toBeLessThanOrEqual(CHAT_LIMITS.descriptionChars);
  });
});

describe('renderAlert: the chat message names the account, when several are watched', () => {
  const MANAGED: AccountRef = { name: 'managed-2a7f0c1e', label: 'Acme Telecom Europe GmbH' };
  const chatFor = (event: PortoutEvent, account: AccountRef) => renderAlert(event, 'a', NOW, { account }).chat as ChatNotification;

  it('before the title, and in a code span under the intro, with the name when the label is not it', () => {
    const chat = chatFor({ type: 'new', portout: listed, comments: [] }, MANAGED);
    expect(chat.content.title).toBe('Acme Telecom Europe GmbH: New port-out PENDING: +13035551212 +2 more to Gaining Wireless');
    expect(chat.metadata.summary).toBe(chat.content.title);
    expect(chat.content.description).toMatch(
      /^Someone has asked .* reject it now\.\n\*Telnyx account:\* `Acme Telecom Europe GmbH` \(`managed-2a7f0c1e`\)\n\*Status:\* pending\n/,
    );
    expect(chatFor({ type: 'vanished', tracked }, { name: 'brand-eu', label: 'brand-eu' }).content.description).toContain(
      'Last known:\n*Telnyx account:* `brand-eu`\n*Last status seen:* pending',
    );
  });

  it("keeps an organization name from pinging a channel or breaking the markdown", () => {
    const chat = chatFor({ type: 'new', portout: listed, comments: [] }, { name: 'managed-9b1d', label: '<!channel> *Evil* `Org`\nLtd' });
    expect(chat.content.title).toBe('!channel Evil Org Ltd: New port-out PENDING: +13035551212 +2 more to Gaining Wireless');
    expect(chat.content.description).toContain("\n*Telnyx account:* `<!channel> *Evil* 'Org' Ltd` (`managed-9b1d`)\n");
  });

  it('once in a summary, not again on each line it lists', () => {
    const items: GroupedEvent[] = [
      { event: { type: 'new', portout: listed, comments: [] }, alertId: 'po-1.new.pending.v1' },
      { event: { type: 'vanished', tracked }, alertId: 'po-1.vanished' },
    ];
    const chat = renderGroup('watch-started', items, 'watch-started.brand-eu', NOW, { account: { name: 'brand-eu', label: 'brand-eu' } })
      .chat as ChatNotification;
    expect(chat.content.title).toBe('brand-eu: portout-watch now watches 2 port-out requests: 1 gone, 1 new pending');
    expect(chat.content.description).toBe(
      lines(
        'Now watching 2 port-out requests. From now on, each change comes as its own message.',
        '*Telnyx account:* `brand-eu`',
        '*Overview:* 1 gone, 1 new pending',
        '- New port-out PENDING: +13035551212 +2 more to Gaining Wireless',
        '- Port-out no longer found (was pending): +13035551212 +2 more',
      ),
    );
    expect(chat.metadata.threadId).toBe('watch-started.brand-eu');
  });
});

describe('renderGroup: the chat message', () => {
  const items: GroupedEvent[] = [
    { event: { type: 'new', portout: listed, comments: [] }, alertId: 'po-1.new.pending.v1' },
    { event: { type: 'vanished', tracked: trackedFrom(portout({ id: 'po-2', phoneNumbers: ['+442071234567'] })) }, alertId: 'po-2.vanished' },
  ];

  it('sums up the first run in one message, in a thread of its own', () => {
    expect(renderGroup('watch-started', items, 'watch-started', NOW).chat).toEqual({
      version: '1.0',
      source: 'custom',
      id: 'watch-started',
      content: {
        textType: 'client-markdown',
        title: 'portout-watch now watches 2 port-out requests: 1 gone, 1 new pending',
        description: lines(
          'Now watching 2 port-out requests. From now on, each change comes as its own message.',
          '*Overview:* 1 gone, 1 new pending',
          '- New port-out PENDING: +13035551212 +2 more to Gaining Wireless',
          '- Port-out no longer found (was pending): +442071234567',
        ),
        nextSteps: [`Review them in the Telnyx portal: ${PORTAL}`],
        keywords: ['portout-watch', 'watch-started', 'new', 'vanished', 'CA', 'GB'],
      },
      metadata: {
        threadId: 'watch-started',
        summary: 'portout-watch now watches 2 port-out requests: 1 gone, 1 new pending',
        eventType: 'watch-started',
        additionalContext: { alertId: 'watch-started' },
      },
    } satisfies ChatNotification);
  });

  it('names a digest by what changed, and lists at most 25 before "and N more"', () => {
    const many: GroupedEvent[] = Array.from({ length: 30 }, (_, index) => ({
      event: { type: 'new', portout: portout({ id: `po-${index}` }), comments: [] },
      alertId: `po-${index}.new`,
    }));
    const chat = renderGroup('digest', many, 'digest.abc', NOW).chat as ChatNotification;
    expect(chat.content.title).toBe('30 port-out requests changed: 30 new pending');
    expect(chat.content.description.split('\n').filter((line) => line.startsWith('- '))).toHaveLength(25);
    expect(chat.content.description).toMatch(/\nand 5 more: see the Telnyx portal$/);
    expect(chat.metadata).toMatchObject({ threadId: 'digest.abc', eventType: 'digest' });
  });
});

describe('renderAlert: chat properties', () => {
  const withinLimits = (chat: ChatNotification) => {
    expect(chat.version).toBe('1.0');
    expect(chat.source).toBe('custom');
    expect(chat.content.textType).toBe('client-markdown');
    expect(chat.content.title.length).toBeGreaterThan(0);
    expect(chat.content.title.length).toBeLessThanOrEqual(CHAT_LIMITS.titleChars);
    expect(chat.content.title).toMatch(/^[\x20-\x7e]+$/);
    expect(chat.content.title).not.toMatch(/[<>*_~`|]/);
    expect(chat.content.description.length).toBeLessThanOrEqual(CHAT_LIMITS.descriptionChars);
    expect(chat.content.nextSteps.length).toBeLessThanOrEqual(CHAT_LIMITS.nextSteps);
    for (const step of chat.content.nextSteps) expect(step.length).toBeLessThanOrEqual(CHAT_LIMITS.nextStepChars);
    expect(chat.content.keywords.length).toBeLessThanOrEqual(CHAT_LIMITS.keywords);
    for (const keyword of chat.content.keywords) expect(keyword.length).toBeLessThanOrEqual(CHAT_LIMITS.keywordChars);
  };

  it('any port-out event fits every limit, in the thread of its port-out', () => {
    fc.assert(
      fc.property(anyEvent, anyNow, (event, now) => {
        const chat = renderAlert(event, 'alert-1', now).chat as ChatNotification;
        withinLimits(chat);
        expect(chat.metadata.threadId).toBe(event.type === 'vanished' ? event.tracked.id : event.portout.id);
        expect(chat.metadata.eventType).toBe(event.type);
      }),
    );
  });

  it('a long comment and a long reason still fit every limit', () => {
    fc.assert(
      fc.property(anyPortout, fc.string({ minLength: 3_000, maxLength: 6_000 }), (p, text) => {
        const comment: PortoutComment = { ...staffComment, body: text };
        const chat = chatOf({ type: 'new', portout: { ...p, reason: text }, comments: [comment, comment, comment] });
        withinLimits(chat);
      }),
      { numRuns: 30 },
    );
  });

  it('with any account label, any port-out event fits every limit and names the account', () => {
    const anyAccount = fc.record({
      name: fc.constantFrom('brand-eu', 'managed-2a7f0c1e-9d3b-4e51'),
      label: fc.string({ unit: 'binary', maxLength: 64 }),
    });
    fc.assert(
      fc.property(anyEvent, anyNow, anyAccount, (event, now, account) => {
        const chat = renderAlert(event, 'alert-1', now, { account }).chat as ChatNotification;
        withinLimits(chat);
        expect(chat.content.description).toMatch(/\n\*Telnyx account:\* `[^`\n]+`( \(`[a-z0-9-]+`\))?\n/);
      }),
    );
  });

  it('any group fits every limit', () => {
    fc.assert(
      fc.property(fc.array(anyEvent, { maxLength: 40 }), fc.constantFrom('watch-started', 'digest'), (events, kind) => {
        const items = events.map((event, index) => ({ event, alertId: `a${index}` }));
        withinLimits(renderGroup(kind, items, 'group', NOW).chat as ChatNotification);
      }),
      { numRuns: 50 },
    );
  });
});
