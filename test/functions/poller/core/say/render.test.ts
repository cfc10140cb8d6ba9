import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AccountRef } from '../../../../../functions/poller/core/accounts.ts';
import { newTrackedPortout } from '../../../../../functions/poller/core/diff.ts';
import type { PortoutComment, PortoutEvent, TrackedPortout } from '../../../../../functions/poller/core/model.ts';
import type { Portout } from '../../../../../functions/poller/core/portout.ts';
import type { GroupedEvent } from '../../../../../functions/poller/core/say/context.ts';
import { SUBJECT_MAX_CHARS } from '../../../../../functions/poller/core/say/email.ts';
import { fitsOneSegment, isGsm7, isGsm7BasicChar, septetLength, smsAsDelivered } from '../../../../../functions/poller/core/say/gsm7.ts';
import { renderAlert, renderGroup } from '../../../../../functions/poller/core/say/render.ts';
import { singleLine, transliterate } from '../../../../../functions/poller/core/say/transliterate.ts';
import { anyEvent, anyNow } from '../../../../support/event-arbitraries.ts';
import { portout, portoutComment } from '../../../../support/factories.ts';

const NOW = new Date('2026-11-27T16:00:00.000Z');
/** A configured account, whose label is its name, and a managed one, labelled with its organization's name. */
const BRAND: AccountRef = { name: 'brand-eu', label: 'brand-eu' };
const MANAGED: AccountRef = { name: 'managed-2a7f0c1e', label: 'Acme Telecom Europe GmbH' };
/** What the poller recorded when it last alerted about `p`. */
const trackedFrom = (p: Portout): TrackedPortout => newTrackedPortout(p, NOW, []);
const listed = portout({ id: 'po-1', phoneNumbers: ['+13035551212', '+13035551213', '+14165550100'] });
const newEvent: PortoutEvent = { type: 'new', portout: listed, comments: [] };
const authorizedEvent: PortoutEvent = {
  type: 'status-changed',
  portout: { ...listed, status: 'authorized' },
  previousStatus: 'pending',
  tracked: trackedFrom(listed),
  comments: [],
};
const vanishedEvent: PortoutEvent = { type: 'vanished', tracked: trackedFrom(listed) };

const REQUEST_DETAILS = String.raw`Phone numbers (3)
  +13035551212
  +13035551213
  +14165550100

Request
  Gaining carrier: Gaining Wireless
  SPID:            9999
  PON:             PON-1
  End user:        Acme Corp
  Authorized name: Jane Doe
  Service address: 100 Main St, Denver, CO 80202
  Support key:     PO_764725 (the "Request #" in the Telnyx portal; quote it to Telnyx support)
  Port-out id:     po-1
  Filed:           2026-11-27 10:00 UTC (6h ago)
  Last updated:    2026-11-27 10:00 UTC (6h ago)`;

/** The whole document of the `new` event below, spelled out so nothing is derived from the code it checks. */
const NEW_EVENT_DOCUMENT = {
  schema: 'portout-watch.alert/v1',
  alertId: 'po-1.new.pending.v1',
  type: 'new',
  occurredAt: '2026-11-27T16:00:00.000Z',
  status: 'pending',
  previousStatus: null,
  countryCodes: ['CA', 'US'],
  autoAuthorization: { earliest: '2026-11-28T10:00:00.000Z', latest: '2026-11-29T10:00:00.000Z' },
  portalUrl: 'https://portal.telnyx.com/#/app/numbers/port-outs',
  unreadableFields: [],
  unreadableValues: {},
  portout: {
    id: 'po-1',
    status: 'pending',
    phoneNumbers: ['+13035551212', '+13035551213', '+14165550100'],
    supportKey: 'PO_764725',
    carrierName: 'Gaining Wireless',
    spid: '9999',
    pon: 'PON-1',
    focDate: '2026-12-01T15:00:00.000Z',
    requestedFocDate: '2026-12-01T15:00:00.000Z',
    endUserName: 'Acme Corp',
    authorizedName: 'Jane Doe',
    serviceAddress: '100 Main St',
    city: 'Denver',
    state: 'CO',
    zip: '80202',
    reason: null,
    rejectionCode: null,
    createdAt: '2026-11-27T10:00:00.000Z',
    updatedAt: '2026-11-27T10:00:00.000Z',
  },
  comments: [],
};

describe('renderAlert: a new pending request', () => {
  const alert = renderAlert(newEvent, 'po-1.new.pending.v1', NOW);

  it('names the status, the numbers, the gaining carrier and the support key in the subject', () => {
    expect(alert.subject).toBe('New port-out PENDING: +13035551212 +2 more to Gaining Wireless (PO_764725)');
  });

  it('says in one SMS what happened, to which number, how long until auto-authorization, and the key', () => {
    expect(alert.sms).toBe(
      'New port-out PENDING: +13035551212 +2 more to Gaining Wireless. Auto-auth ~24-48h after 27 Nov 10:00Z (18h left). FOC 01 Dec 15:00Z (3d23h left). Ref PO_764725',
    );
  });

  it('gives everything needed to decide, and how to reject, in the email', () => {
    expect(alert.email).toBe(String.raw`Someone has asked to move 3 numbers (+13035551212 and others) away from your Telnyx account to Gaining Wireless.
If you did not ask for this, reject it now: this is how phone numbers are hijacked.

Status: pending
  pending: awaiting your review. If nobody answers, Telnyx authorizes it automatically 24 to 48 hours after it was filed.

Dates
  Auto-authorization: between 2026-11-28 10:00 UTC and 2026-11-29 10:00 UTC (18h left to reject before it may happen)
  FOC date:           2026-12-01 15:00 UTC (3d 23h left)
  Requested FOC date: 2026-12-01 15:00 UTC

${REQUEST_DETAILS}

What to do
  If you did not ask for this port-out, reject it before it is authorized:
  - in the Telnyx portal: https://portal.telnyx.com/#/app/numbers/port-outs
  - or through the Telnyx API (write the real reason: Telnyx checks it):
    curl -X PATCH 'https://api.telnyx.com/v2/portouts/po-1/rejected-pending' \
      -H "Authorization: Bearer $TELNYX_API_KEY" -H 'Content-Type: application/json' \
      -d '{"reason": "Not requested by the account holder"}'
  If you did ask for it, authorize it in the portal, or let it be authorized automatically.

--
portout-watch alert po-1.new.pending.v1, detected 2026-11-27 16:00 UTC.
`);
  });

  it('publishes a versioned JSON document with every port-out field', () => {
    expect(alert.json).toEqual(NEW_EVENT_DOCUMENT);
  });

  it('adds the account by its name to the document, and nothing else, when several accounts are watched', () => {
    const withAccount = renderAlert(newEvent, 'po-1.new.pending.v1', NOW, { account: MANAGED });
    expect(withAccount.json).toEqual({ ...NEW_EVENT_DOCUMENT, account: 'managed-2a7f0c1e' });
    expect(alert.json).not.toHaveProperty('account');
  });
});

describe('renderAlert: a status change', () => {
  const alert = renderAlert(authorizedEvent, 'po-1.status-changed.authorized.v2', NOW);

  it('names the new and the old status in the subject', () => {
    expect(alert.subject).toBe(
      'Port-out AUTHORIZED (was pending): +13035551212 +2 more to Gaining Wireless (PO_764725)',
    );
  });

  it('gives the FOC date as the deadline in the SMS, and who to call', () => {
    expect(alert.sms).toBe(
      'Port-out pending->AUTHORIZED: +13035551212 +2 more to Gaining Wireless. FOC 01 Dec 15:00Z (3d23h left). Ref PO_764725. Not you? Call Telnyx support',
    );
  });

  it('explains both statuses and sends the reader to Telnyx support in the email', () => {
    expect(alert.email).toBe(`This port-out request was authorized: the numbers will leave Telnyx from the FOC date. If nobody on your side approved it, act now.

Status: authorized (was pending)
  authorized: approved. The numbers leave Telnyx on the FOC date, or up to 10 days after it.
  pending: awaiting your review. If nobody answers, Telnyx authorizes it automatically 24 to 48 hours after it was filed.

Dates
  FOC date:           2026-12-01 15:00 UTC (3d 23h left)
  Requested FOC date: 2026-12-01 15:00 UTC

${REQUEST_DETAILS}

What to do
  If nobody on your side asked for this, contact Telnyx support now, quoting PO_764725.
  Telnyx portal: https://portal.telnyx.com/#/app/numbers/port-outs

--
portout-watch alert po-1.status-changed.authorized.v2, detected 2026-11-27 16:00 UTC.
`);
  });

  it('carries the previous status and no auto-authorization window in the JSON document', () => {
    expect(alert.json).toMatchObject({
      schema: 'portout-watch.alert/v1',
      alertId: 'po-1.status-changed.authorized.v2',
      type: 'status-changed',
      status: 'authorized',
      previousStatus: 'pending',
      autoAuthorization: null,
      portout: { id: 'po-1', status: 'authorized', carrierName: 'Gaining Wireless', rejectionCode: null },
    });
  });
});

describe('renderAlert: a port-out Telnyx no longer returns', () => {
  const alert = renderAlert(vanishedEvent, 'po-1.vanished.gone.v2', NOW);

  it('says it is gone and what it was in the subject', () => {
    expect(alert.subject).toBe('Port-out no longer found (was pending): +13035551212 +2 more (PO_764725)');
  });

  it('says it is gone, and where to look, in the SMS', () => {
    expect(alert.sms).toBe(
      'Port-out GONE (was pending): +13035551212 +2 more. Telnyx answers 404. Ref PO_764725. Check the Telnyx portal',
    );
  });

  it('gives what we last knew and what to check in the email', () => {
    expect(alert.email).toBe(`Telnyx no longer returns this port-out request (it answers 404 Not Found), so portout-watch can no longer follow it. Below is what we last knew.

Last status seen: pending
  pending: awaiting your review. If nobody answers, Telnyx authorizes it automatically 24 to 48 hours after it was filed.

Dates
  FOC date: 2026-12-01 15:00 UTC (3d 23h left)

Phone numbers (3)
  +13035551212
  +13035551213
  +14165550100

Request
  Support key: PO_764725 (the "Request #" in the Telnyx portal; quote it to Telnyx support)
  Port-out id: po-1

What to check
  - In the Telnyx portal, that the numbers are still on your account and whether the request is still listed: https://portal.telnyx.com/#/app/numbers/port-outs
  - With Telnyx support, quoting PO_764725: whether the request was withdrawn, removed, or completed.
  - That the API key portout-watch uses still has access to port-outs: a key that lost it sees 404 too.

--
portout-watch alert po-1.vanished.gone.v2, detected 2026-11-27 16:00 UTC.
`);
  });

  it('carries only the tracked fields, without the internal version, in the JSON document', () => {
    expect(alert.json).toEqual({
      schema: 'portout-watch.alert/v1',
      alertId: 'po-1.vanished.gone.v2',
      type: 'vanished',
      occurredAt: '2026-11-27T16:00:00.000Z',
      status: 'pending',
      previousStatus: 'pending',
      countryCodes: ['CA', 'US'],
      autoAuthorization: null,
      portalUrl: 'https://portal.telnyx.com/#/app/numbers/port-outs',
      unreadableFields: [],
      unreadableValues: {},
      portout: {
        id: 'po-1',
        status: 'pending',
        phoneNumbers: ['+13035551212', '+13035551213', '+14165550100'],
        supportKey: 'PO_764725',
        focDate: '2026-12-01T15:00:00.000Z',
      },
    });
  });
});

describe('renderAlert: the other event types', () => {
  const tracked = trackedFrom(listed);
  const staffComment: PortoutComment = portoutComment({
    id: 'c1',
    portoutId: 'po-1',
    body: 'The rejection reason given does not match our records.\nPlease provide a valid reason.',
    createdAt: '2026-11-27T15:30:00.000Z',
  });

  it('a moved FOC date: the new date first, then the old one', () => {
    const event: PortoutEvent = {
      type: 'foc-date-changed',
      portout: { ...listed, focDate: '2026-11-29T15:00:00.000Z' },
      tracked,
      previousFocDate: '2026-12-01T15:00:00.000Z',
      comments: [],
    };
    const alert = renderAlert(event, 'po-1.foc-date-changed.pending.v2', NOW);
    expect(alert.subject).toBe('Port-out FOC date changed (pending): +13035551212 +2 more to Gaining Wireless (PO_764725)');
    expect(alert.sms).toBe(
      'Port-out FOC CHANGED (pending): +13035551212 +2 more. FOC now 29 Nov 15:00Z (1d23h left). Auto-auth ~24-48h after 27 Nov 10:00Z (18h left). Ref PO_764725',
    );
    const quieter = renderAlert({ ...event, portout: { ...event.portout, status: 'rejected-pending' } }, 'a', NOW);
    expect(quieter.sms).toBe(
      'Port-out FOC CHANGED (rejected-pending): +13035551212 +2 more to Gaining Wireless. FOC now 29 Nov 15:00Z (1d23h left), was 01 Dec 15:00Z. Ref PO_764725',
    );
    expect(alert.email).toMatch(/^The FOC date of this port-out request changed from 2026-12-01 15:00 UTC to 2026-11-29 15:00 UTC \(1d 23h left\)\./);
    expect(alert.email).toContain('  FOC date:           2026-11-29 15:00 UTC (1d 23h left)\n  Previous FOC date:  2026-12-01 15:00 UTC\n');
    expect(alert.json).toMatchObject({ type: 'foc-date-changed', previousFocDate: '2026-12-01T15:00:00.000Z', comments: [] });
  });

  it('a new comment: quoted in the SMS as far as it fits, whole in the email', () => {
    const event: PortoutEvent = { type: 'new-comment', portout: listed, tracked, comments: [staffComment] };
    const alert = renderAlert(event, 'po-1.new-comment.pending.v2', NOW);
    expect(alert.subject).toBe('Port-out comment from Telnyx (pending): +13035551212 +2 more to Gaining Wireless (PO_764725)');
    expect(alert.sms).toBe(
      'Port-out COMMENT from Telnyx (pending): +13035551212 +2 more. Telnyx: "The rejection reason given does not match our records...". Ref PO_764725',
    );
    expect(alert.email).toContain(
      'Comments (1)\n  2026-11-27 15:30 UTC, Telnyx porting staff:\n    The rejection reason given does not match our records.\n    Please provide a valid reason.\n',
    );
    expect(alert.json).toMatchObject({
      comments: [{ id: 'c1', body: staffComment.body, byTelnyxStaff: true, createdAt: '2026-11-27T15:30:00.000Z' }],
    });
  });

  it('an approaching FOC date: the FOC date is the deadline', () => {
    const event: PortoutEvent = {
      type: 'foc-approaching',
      portout: { ...listed, status: 'rejected-pending', focDate: '2026-11-28T10:00:00.000Z' },
      tracked: { ...tracked, status: 'rejected-pending' },
      reminderHours: 24,
    };
    const alert = renderAlert(event, 'po-1.foc-approaching.rejected-pending.v2', NOW);
    expect(alert.subject).toBe('Port-out still rejected-pending, FOC within 24h: +13035551212 +2 more (PO_764725)');
    expect(alert.sms).toBe(
      'Port-out still REJECTED-PENDING, FOC SOON: +13035551212 +2 more to Gaining Wireless. FOC 28 Nov 10:00Z (18h left). Ref PO_764725',
    );
    expect(alert.email).toMatch(/^This port-out request is still rejected-pending, and its FOC date is less than 24 hours away: 2026-11-28 10:00 UTC \(18h left\)\./);
    expect(alert.json).toMatchObject({ type: 'foc-approaching', reminderHours: 24 });
  });

  it('a request born rejected: flagged as possible fraud, with what to do', () => {
    const event: PortoutEvent = {
      type: 'possible-fraud',
      portout: { ...listed, status: 'rejected', rejectionCode: 1002, reason: 'Invalid PIN' },
    };
    const alert = renderAlert(event, 'po-1.possible-fraud.rejected.v1', NOW);
    expect(alert.subject).toBe('Possible fraud: port-out REJECTED at once: +13035551212 +2 more to Gaining Wireless (PO_764725)');
    expect(alert.sms).toBe(
      'FRAUD? Port-out REJECTED at once: +13035551212 +2 more to Gaining Wireless. Ref PO_764725. Ask Telnyx who filed it',
    );
    expect(alert.email).toContain('  Rejection code:  1002\n  Reason:          Invalid PIN\n');
    expect(alert.email).toContain('  - ask Telnyx support who filed it, quoting PO_764725;\n');
    expect(alert.attributes).toEqual({
      eventType: 'possible-fraud',
      status: 'rejected',
      previousStatus: 'none',
      countryCodes: ['CA', 'US'],
    });
  });

  it('a comment that came with a status change is shown too', () => {
    const alert = renderAlert({ ...authorizedEvent, comments: [{ ...staffComment, byTelnyxStaff: false, body: 'ok' }] }, 'a', NOW);
    expect(alert.email).toContain('Comments (1)\n  2026-11-27 15:30 UTC, someone on your account:\n    ok\n');
  });
});

describe('renderGroup', () => {
  const items: GroupedEvent[] = [
    { event: newEvent, alertId: 'po-1.new.pending.v1' },
    {
      event: {
        type: 'new',
        portout: portout({ id: 'po-2', phoneNumbers: ['+442071234567'], createdAt: '2026-11-27T01:00:00.000Z', supportKey: 'PO_2' }),
        comments: [],
      },
      alertId: 'po-2.new.pending.v1',
    },
    { event: vanishedEvent, alertId: 'po-1.vanished.gone.v2' },
  ];

  it('sums up the first run in one message, pointing at the most urgent request', () => {
    const alert = renderGroup('watch-started', items, 'watch-started', NOW);
    expect(alert.subject).toBe('portout-watch now watches 3 port-out requests: 2 new pending, 1 gone');
    expect(alert.sms).toBe(
      'Watching 3 port-outs: 2 new pending, 1 gone. Most urgent: +442071234567 (auto-auth 9h left). Details by email',
    );
    expect(alert.email).toMatch(
      /^portout-watch now watches 3 port-out requests\. From now on, each change comes as its own alert\.\n\nOverview \(2 new pending, 1 gone\)\n  - New port-out PENDING: \+13035551212 \+2 more to Gaining Wireless \(PO_764725\)\n  - New port-out PENDING: \+442071234567 to Gaining Wireless \(PO_2\)\n  - Port-out no longer found \(was pending\): \+13035551212 \+2 more \(PO_764725\)\n\n={72}\n/,
    );
    expect(alert.email).toContain('--\nportout-watch alert watch-started, detected 2026-11-27 16:00 UTC.\n');
  });

  it('names a digest by what changed', () => {
    const alert = renderGroup('digest', items, 'digest.abc', NOW, { displayName: 'PortWatch' });
    expect(alert.subject).toBe('3 port-out requests changed: 2 new pending, 1 gone');
    expect(alert.sms).toBe('3 port-out changes: 2 new pending, 1 gone. Most urgent: +442071234567 (auto-auth 9h left). Details by email');
    expect(alert.json).toEqual({
      schema: 'portout-watch.alert/v1',
      alertId: 'digest.abc',
      type: 'digest',
      occurredAt: '2026-11-27T16:00:00.000Z',
      alertIds: ['po-1.new.pending.v1', 'po-2.new.pending.v1', 'po-1.vanished.gone.v2'],
      portoutIds: ['po-1', 'po-2', 'po-1'],
      countryCodes: ['CA', 'GB', 'GG', 'IM', 'JE', 'US'],
    });
  });

  it('gives types and statuses as arrays, so a filter on any one the group carries matches it', () => {
    const alert = renderGroup('digest', items, 'digest.abc', NOW);
    expect(alert.attributes).toEqual({
      eventType: ['digest', 'new', 'vanished'],
      status: ['pending'],
      previousStatus: ['none', 'pending'],
      countryCodes: ['CA', 'GB', 'GG', 'IM', 'JE', 'US'],
    });
  });

  it('says so when the first run finds nothing to watch', () => {
    const alert = renderGroup('watch-started', [], 'watch-started', NOW);
    expect(alert.subject).toBe('portout-watch now watches 0 port-out requests');
    expect(alert.sms).toBe('Watching 0 port-outs. Details by email');
    expect(alert.email).toBe(
      'portout-watch now watches 0 port-out requests. From now on, each change comes as its own alert.\n\n' +
        'No port-out request needs your attention right now.\n\n' +
        '--\nportout-watch alert watch-started, detected 2026-11-27 16:00 UTC.\n',
    );
  });

  it('keeps a huge group under the SNS message size, listing the rest by subject', () => {
    const many = Array.from({ length: 600 }, (_, index) => ({ ...items[0]!, alertId: `a${index}` }));
    const alert = renderGroup('digest', many, 'digest.big', NOW);
    expect(alert.email.length).toBeLessThan(200_000);
    expect(alert.email).toContain('more not shown in full here: see the Telnyx portal: https://portal.telnyx.com/#/app/numbers/port-outs');
    expect(alert.sms).toBe(
      '600 port-out changes: 600 new pending. Most urgent: +13035551212 (auto-auth 18h left). Details by email',
    );
  });
});

describe('renderAlert: message attributes', () => {
  it('eventType is the event type', () => {
    expect(renderAlert(vanishedEvent, 'a', NOW).attributes.eventType).toBe('vanished');
  });

  it('status is the status now', () => {
    expect(renderAlert(authorizedEvent, 'a', NOW).attributes.status).toBe('authorized');
  });

  it("previousStatus is the status before, or 'none' for a new request", () => {
    expect(renderAlert(authorizedEvent, 'a', NOW).attributes.previousStatus).toBe('pending');
    expect(renderAlert(newEvent, 'a', NOW).attributes.previousStatus).toBe('none');
  });

  it('countryCodes lists the countries of the numbers, told apart within +1', () => {
    expect(renderAlert(newEvent, 'a', NOW).attributes.countryCodes).toEqual(['CA', 'US']);
  });
});

describe('renderAlert: the account, when several are watched', () => {
  it('names it before the SMS headline and the subject, and first in the email body', () => {
    const alert = renderAlert(newEvent, 'po-1.new.pending.v1', NOW, { account: BRAND, displayName: 'PortWatch' });
    expect(alert.sms).toBe(
      'brand-eu: New port-out PENDING: +13035551212 +2 more. Auto-auth ~24-48h after 27 Nov 10:00Z (18h left). FOC 01 Dec 15:00Z. Ref PO_764725',
    );
    expect(alert.subject).toBe('brand-eu: New port-out PENDING: +13035551212 +2 more to Gaining Wireless (PO_764725)');
    expect(alert.email).toMatch(/^Telnyx account: brand-eu\n\nSomeone has asked to move 3 numbers/);
    expect(alert.attributes).toEqual({
      eventType: 'new',
      status: 'pending',
      previousStatus: 'none',
      countryCodes: ['CA', 'US'],
      account: 'brand-eu',
    });
  });

  it("cuts a managed account's organization name to 12 characters in the SMS and 24 in the subject; the email has it whole, with the name", () => {
    const alert = renderAlert(vanishedEvent, 'a', NOW, { account: MANAGED });
    expect(alert.sms).toBe('Acme Telec..: Port-out GONE (was pending): +13035551212 +2 more. Telnyx answers 404. Ref PO_764725. Check the Telnyx portal');
    expect(alert.subject).toBe('Acme Telecom Europe GmbH: Port-out no longer found (was pending): +13035551212 +2 more (PO_764725)');
    expect(alert.email).toMatch(/^Telnyx account: Acme Telecom Europe GmbH \(managed-2a7f0c1e\)\n\nTelnyx no longer returns/);
    expect(alert.attributes.account).toBe('managed-2a7f0c1e');
  });

  it('treats an organization name as Telnyx text: transliterated for the SMS and subject, on one line in the email', () => {
    const account = { name: 'managed-9b1d', label: 'Zoë’s “Télco”\n<!channel> {€} 📞' };
    const alert = renderAlert(newEvent, 'a', NOW, { account });
    expect(alert.sms.startsWith('Zoe\'s "Tél..: New port-out PENDING: +13035551212')).toBe(true);
    expect(alert.subject).toBe('Zoe\'s "Telco"..: New port-out PENDING: +13035551212 +2 more to Gaining Wireless (PO_764725)');
    expect(alert.email).toMatch(/^Telnyx account: Zoë’s “Télco” <!channel> \{€\} 📞 \(managed-9b1d\)\n\n/);
  });

  it('names the account by its name where nothing of the label survives cleaning', () => {
    const alert = renderAlert(newEvent, 'a', NOW, { account: { name: 'managed-77aa', label: '山田電話株式会社' } });
    expect(alert.sms.startsWith('managed-77aa: New port-out')).toBe(true);
    expect(alert.subject.startsWith('managed-77aa: New port-out')).toBe(true);
    expect(alert.email.startsWith('Telnyx account: 山田電話株式会社 (managed-77aa)\n')).toBe(true);
  });

  it('names it in a summary or digest too, once, above the events it lists', () => {
    const items: GroupedEvent[] = [
      { event: newEvent, alertId: 'po-1.new.pending.v1' },
      { event: vanishedEvent, alertId: 'po-1.vanished.gone.v2' },
    ];
    const alert = renderGroup('digest', items, 'digest.abc', NOW, { account: MANAGED });
    expect(alert.sms).toBe('Acme Telec..: 2 port-out changes: 1 gone, 1 new pending. Most urgent: +13035551212 (auto-auth 18h left). Details by email');
    expect(alert.subject).toBe('Acme Telecom Europe GmbH: 2 port-out requests changed: 1 gone, 1 new pending');
    expect(alert.email).toMatch(
      /^Telnyx account: Acme Telecom Europe GmbH \(managed-2a7f0c1e\)\n\n2 port-out requests changed since the last check.*\n\nOverview \(1 gone, 1 new pending\)\n  - New port-out PENDING: /,
    );
    expect(alert.email.match(/Telnyx account:/g)).toHaveLength(1);
    expect(alert.attributes.account).toBe('managed-2a7f0c1e');
    expect(alert.json).toEqual({
      schema: 'portout-watch.alert/v1',
      alertId: 'digest.abc',
      account: 'managed-2a7f0c1e',
      type: 'digest',
      occurredAt: '2026-11-27T16:00:00.000Z',
      alertIds: ['po-1.new.pending.v1', 'po-1.vanished.gone.v2'],
      portoutIds: ['po-1', 'po-1'],
      countryCodes: ['CA', 'US'],
    });
  });

  it('with none given, adds no attribute, document field or line', () => {
    const alert = renderAlert(newEvent, 'a', NOW);
    expect(alert.attributes).not.toHaveProperty('account');
    expect(alert.json).not.toHaveProperty('account');
    expect(alert.email).not.toContain('Telnyx account:');
  });

  describe('the SMS budget: a 12-character label and a 10-character display name', () => {
    // The longest values a real alert carries: a 15-digit number and 49 more, a 9-digit key, a long carrier name.
    const crowded = (status: Portout['status'], overrides: Partial<Portout> = {}) =>
      portout({
        id: 'po-9',
        status,
        phoneNumbers: ['+441234567890123', ...Array.from({ length: 49 }, () => '+13035551212')],
        supportKey: 'PO_123456789',
        carrierName: 'Some Very Long Carrier Name Inc',
        ...overrides,
      });
    const account = { name: 'acme-telecom', label: 'Acme Telecom' };
    const displayName = 'PortWatch1';
    const sms = (event: PortoutEvent) => renderAlert(event, 'a', NOW, { account, displayName }).sms;

    it.each<[string, PortoutEvent, string]>([
      ['a new pending request keeps its auto-authorization countdown', { type: 'new', portout: crowded('pending'), comments: [] }, '(18h left)'],
      [
        'an authorization keeps its FOC countdown',
        {
          type: 'status-changed',
          portout: crowded('authorized'),
          previousStatus: 'rejected-pending',
          tracked: trackedFrom(crowded('rejected-pending')),
          comments: [],
        },
        'FOC 01 Dec 15:00Z (3d23h left)',
      ],
      [
        'a refused rejection keeps the time left to reject',
        {
          type: 'status-changed',
          portout: crowded('pending'),
          previousStatus: 'rejected-pending',
          tracked: trackedFrom(crowded('rejected-pending')),
          comments: [portoutComment({ body: 'The rejection reason given does not match our records.' })],
        },
        '18h left to reject',
      ],
      [
        'a moved FOC date keeps the new date and its countdown',
        {
          type: 'foc-date-changed',
          portout: crowded('rejected-pending'),
          previousFocDate: '2026-11-30T15:00:00.000Z',
          tracked: trackedFrom(crowded('rejected-pending')),
          comments: [],
        },
        'FOC now 01 Dec 15:00Z (3d23h left)',
      ],
      [
        'an approaching FOC date keeps its countdown',
        {
          type: 'foc-approaching',
          portout: crowded('rejected-pending', { focDate: '2026-11-28T10:00:00.000Z' }),
          tracked: trackedFrom(crowded('rejected-pending')),
          reminderHours: 24,
        },
        'FOC 28 Nov 10:00Z (18h left)',
      ],
      ['a possible fraud keeps the number and key', { type: 'possible-fraud', portout: crowded('rejected') }, 'Ref PO_123456789'],
      [
        'a Telnyx comment on a pending request keeps the time left to reject, quoting 16 characters',
        {
          type: 'new-comment',
          portout: crowded('pending', { phoneNumbers: ['+441234567890123', ...Array.from({ length: 999 }, () => '+13035551212')] }),
          tracked: trackedFrom(crowded('pending')),
          comments: [portoutComment({ body: 'Unsupported-rejection-reason-code-given', byTelnyxStaff: true })],
        },
        '. Telnyx: "Unsupported-re..". 18h left to reject',
      ],
    ])('%s, the status and the first number', (_name, event, deadline) => {
      const text = sms(event);
      expect(text.startsWith('Acme Telecom: ')).toBe(true);
      expect(text).toMatch(/: \+441234567890123 \+(49|999) more/);
      expect(text).toContain(deadline);
      expect(septetLength(smsAsDelivered(text, displayName))).toBeLessThanOrEqual(160);
    });

    it('makes room from the least important parts: the FOC date as a detail, the carrier, the call to action', () => {
      const before = renderAlert({ type: 'possible-fraud', portout: crowded('rejected') }, 'a', NOW, { displayName }).sms;
      expect(before).toBe(
        'FRAUD? Port-out REJECTED at once: +441234567890123 +49 more to Some Very Long Carrier Name Inc. Ref PO_123456789. Ask Telnyx who filed it',
      );
      expect(sms({ type: 'possible-fraud', portout: crowded('rejected') })).toBe(
        'Acme Telecom: FRAUD? Port-out REJECTED at once: +441234567890123 +49 more to Some Very Long Carrier Name Inc. Ref PO_123456789',
      );
    });
  });
});

describe('renderAlert: times that have happened', () => {
  it('reads a filing or update time a little ahead of our clock as just now, never as time left', () => {
    const ahead = portout({ id: 'po-3', updatedAt: '2026-11-27T16:00:00.400Z' });
    const { email } = renderAlert({ type: 'new', portout: ahead, comments: [] }, 'a', NOW);
    expect(email).toContain('Last updated:    2026-11-27 16:00 UTC (just now)');
    expect(email).not.toMatch(/Last updated:.*left/);
  });
});

describe('renderAlert: degrading gracefully', () => {
  const bare = portout({
    id: 'po-2',
    phoneNumbers: [],
    supportKey: null,
    carrierName: null,
    spid: null,
    pon: null,
    focDate: null,
    requestedFocDate: null,
    endUserName: null,
    authorizedName: null,
    serviceAddress: null,
    city: null,
    state: null,
    zip: null,
    createdAt: null,
    updatedAt: null,
  });

  it('says what is missing when Telnyx sent nulls, in every channel', () => {
    const alert = renderAlert({ type: 'new', portout: bare, comments: [] }, 'a', NOW);
    expect(alert.subject).toBe('New port-out PENDING: no number listed');
    expect(alert.sms).toBe(
      'New port-out PENDING: no number listed. Auto-auths if unanswered 24-48h. Not you? Reject it now',
    );
    expect(alert.email).toContain('Auto-authorization: 24 to 48 hours after the request was filed (Telnyx did not give the filing time)');
    expect(alert.email).toContain('FOC date:           not set yet');
    expect(alert.email).toContain('Phone numbers: none listed by Telnyx');
    expect(alert.email).toContain('Service address: not given');
    expect(alert.email).not.toContain('null');
    expect(alert.attributes.countryCodes).toEqual(['ZZ']);
  });

  it('drops the least important parts first when the display name tightens the budget', () => {
    const alert = renderAlert(newEvent, 'a', NOW, { displayName: 'PortWatch' });
    expect(alert.sms).toBe(
      'New port-out PENDING: +13035551212 +2 more. Auto-auth ~24-48h after 27 Nov 10:00Z (18h left). FOC 01 Dec 15:00Z (3d23h left). Ref PO_764725',
    );
  });

  it('keeps the number and key in the 70-unit budget a display name outside GSM-7 forces', () => {
    const alert = renderAlert(newEvent, 'a', NOW, { displayName: 'Zoë' });
    expect(alert.sms).toBe('New port-out PENDING: +13035551212 +2 more. Ref PO_764725');
    expect(fitsOneSegment(alert.sms, 'Zoë')).toBe(true);
  });

  it('transliterates a carrier name for the SMS and subject, and keeps it as written in the email', () => {
    const alert = renderAlert({ type: 'new', portout: { ...listed, carrierName: 'Télécom Zoë 📱' }, comments: [] }, 'a', NOW);
    expect(alert.sms).toContain(' to Télécom Zoe. ');
    expect(alert.subject).toContain(' to Telecom Zoe (');
    expect(alert.email).toContain('Gaining carrier: Télécom Zoë 📱');
  });

  it('shortens a long carrier name rather than dropping it', () => {
    const alert = renderAlert(
      { type: 'new', portout: { ...listed, phoneNumbers: ['+13035551212'], carrierName: 'Gaining Wireless Telecommunications Holdings' }, comments: [] },
      'a',
      NOW,
    );
    expect(alert.sms).toBe(
      'New port-out PENDING: +13035551212 to Gaining Wireless... Auto-auth ~24-48h after 27 Nov 10:00Z (18h left). FOC 01 Dec 15:00Z (3d23h left). Ref PO_764725',
    );
  });

  it('counts the numbers instead when the first one cannot fit', () => {
    const alert = renderAlert({ type: 'new', portout: { ...listed, phoneNumbers: ['9'.repeat(200), '+13035551212'] }, comments: [] }, 'a', NOW);
    expect(alert.subject).toBe('New port-out PENDING: 2 numbers to Gaining Wireless (PO_764725)');
  });

  it('tells a rejection Telnyx refused apart from any other return to pending', () => {
    const back = portout({ id: 'po-5', createdAt: '2026-11-26T10:00:00.000Z' });
    const alert = renderAlert(
      {
        type: 'status-changed',
        portout: back,
        previousStatus: 'rejected-pending',
        tracked: trackedFrom({ ...back, status: 'rejected-pending' }),
        comments: [],
      },
      'a',
      NOW,
    );
    expect(alert.subject).toBe('Port-out rejection refused, PENDING again: +13035551212 to Gaining Wireless (PO_764725)');
    expect(alert.sms).toBe(
      'Port-out rejection REFUSED, PENDING again: +13035551212. Auto-auth ~24-48h after 26 Nov 10:00Z: may happen now. FOC 01 Dec 15:00Z (3d23h left). Ref PO_764725',
    );
  });

  it.each([
    ['ahead', '2026-11-27T10:00:00.000Z', 'Auto-auth ~24-48h after 27 Nov 10:00Z (18h left)', '(18h left to reject before it may happen)'],
    ['open', '2026-11-26T10:00:00.000Z', 'Auto-auth ~24-48h after 26 Nov 10:00Z: may happen now', '(it may happen at any moment now)'],
    ['past', '2026-11-25T10:00:00.000Z', 'Auto-auth ~24-48h after 25 Nov 10:00Z (overdue by 6h)', '(overdue by 6h)'],
  ])('counts down to auto-authorization when its window is %s', (_when, createdAt, sms, email) => {
    const alert = renderAlert({ type: 'new', portout: { ...listed, createdAt }, comments: [] }, 'a', NOW);
    expect(alert.sms).toContain(sms);
    expect(alert.email).toContain(email);
  });

  it('gives the rejection code and reason on one line each', () => {
    const rejected = { ...listed, status: 'rejected' as const, rejectionCode: 1002, reason: 'Invalid PIN\nplease retry' };
    const alert = renderAlert(
      { type: 'status-changed', portout: rejected, previousStatus: 'rejected-pending', tracked: trackedFrom(listed), comments: [] },
      'a',
      NOW,
    );
    expect(alert.email).toContain('  Rejection code:  1002\n  Reason:          Invalid PIN please retry\n');
    expect(alert.email).toContain('What to do\n  Nothing: the numbers stay with Telnyx.\n');
  });

  it('asks nothing of the reader while Telnyx checks a rejection', () => {
    const alert = renderAlert({ type: 'new', portout: { ...listed, status: 'rejected-pending' }, comments: [] }, 'a', NOW);
    expect(alert.sms).toBe(
      'New port-out REJECTED-PENDING: +13035551212 +2 more to Gaining Wireless. FOC 01 Dec 15:00Z (3d23h left). Ref PO_764725',
    );
    expect(alert.email).toContain(
      'What to do\n  Nothing for now. If Telnyx finds the reason invalid, the request goes back to pending\n',
    );
  });

  it('cuts huge free text in the email, which the JSON document carries whole, so one alert stays publishable', () => {
    const alert = renderAlert({ type: 'new', portout: { ...listed, reason: 'x'.repeat(100_000) }, comments: [] }, 'a', NOW);
    expect(alert.email).toContain(`  Reason:          ${'x'.repeat(498)}..\n`);
    expect(alert.email.length).toBeLessThan(4_000);
    expect(alert.json).toMatchObject({ portout: { reason: 'x'.repeat(100_000) } });
  });

  it('shows a last-known FOC date that is not a date as it was stored', () => {
    const alert = renderAlert({ type: 'vanished', tracked: { ...trackedFrom(listed), focDate: 'soon' } }, 'a', NOW);
    expect(alert.email).toContain('  FOC date: soon\n');
  });

  it('sends people to the portal address it is given', () => {
    const alert = renderAlert(newEvent, 'a', NOW, { portalUrl: 'https://portal.example/port-outs' });
    expect(alert.email).toContain('  - in the Telnyx portal: https://portal.example/port-outs\n');
    expect(alert.json).toMatchObject({ portalUrl: 'https://portal.example/port-outs' });
  });
});

describe('renderAlert: properties', () => {
  const displayName = fc.string({ unit: 'binary', maxLength: 10 });

  const numbersOf = (event: PortoutEvent) => (event.type === 'vanished' ? event.tracked : event.portout).phoneNumbers;

  it('the SMS is pure GSM-7 and one segment with the display name in front', () => {
    fc.assert(
      fc.property(anyEvent, anyNow, displayName, (event, now, name) => {
        const { sms } = renderAlert(event, 'a', now, { displayName: name });
        expect(isGsm7(sms)).toBe(true);
        expect(fitsOneSegment(sms, name)).toBe(true);
      }),
    );
  });

  it('the SMS shows the first E.164 number whole or not at all', () => {
    fc.assert(
      fc.property(anyEvent, anyNow, displayName, (event, now, name) => {
        const [first] = numbersOf(event);
        fc.pre(first !== undefined && /^\+\d+$/.test(first));
        const { sms } = renderAlert(event, 'a', now, { displayName: name });
        const numbersAt = sms.indexOf(': ');
        const shown = numbersAt === -1 ? '' : sms.slice(numbersAt + 2).split(/[ .]/)[0];
        // Either the whole number, a count ("50 numbers"), or nothing.
        expect(shown === '' || shown === first || /^\d+$/.test(shown ?? '')).toBe(true);
      }),
    );
  });

  it('the subject is one line of printable ASCII, at most 99 characters', () => {
    fc.assert(
      fc.property(anyEvent, anyNow, (event, now) => {
        const { subject } = renderAlert(event, 'a', now);
        expect(subject.length).toBeLessThanOrEqual(SUBJECT_MAX_CHARS);
        expect(subject).toMatch(/^[A-Za-z][\x20-\x7e]*$/);
      }),
    );
  });

  it('the email lists every phone number', () => {
    fc.assert(
      fc.property(anyEvent, anyNow, (event, now) => {
        const { email } = renderAlert(event, 'a', now);
        for (const number of numbersOf(event)) expect(email).toContain(`  ${singleLine(number)}\n`);
      }),
    );
  });

  it('a group SMS and subject keep to the same limits', () => {
    fc.assert(
      fc.property(
        fc.array(anyEvent, { maxLength: 12 }),
        fc.constantFrom('watch-started' as const, 'digest' as const),
        anyNow,
        displayName,
        (events, kind, now, name) => {
          const items = events.map((event, index) => ({ event, alertId: `a${index}` }));
          const alert = renderGroup(kind, items, 'g', now, { displayName: name });
          expect(isGsm7(alert.sms)).toBe(true);
          expect(fitsOneSegment(alert.sms, name)).toBe(true);
          expect(alert.subject.length).toBeLessThanOrEqual(SUBJECT_MAX_CHARS);
          expect(alert.subject).toMatch(/^[A-Za-z0-9][\x20-\x7e]*$/);
        },
      ),
    );
  });

  /** Any label an organization could have: any script, control characters, up to 64 characters. */
  const anyAccount = fc.record({
    name: fc.constantFrom('brand-eu', 'managed-2a7f0c1e-9d3b-4e51'),
    label: fc.oneof(
      fc.string({ unit: 'binary', maxLength: 64 }),
      fc.constantFrom('Zoë’s “Télco”', '{[~]}|^€\\ Ltd', '山田電話株式会社', 'Acme\n<!channel>', ' '.repeat(64)),
    ),
  });
  /** Display names lib/config.ts accepts: at most 10 of A-Z a-z 0-9 space _ -. */
  const configuredDisplayName = fc.stringMatching(/^[A-Za-z0-9 _-]{0,10}$/);
  /** What the SMS can show of the label: its GSM-7 basic spelling on one line, or the name when that is empty. */
  const smsLabel = (account: AccountRef) => singleLine(transliterate(singleLine(account.label), isGsm7BasicChar)) || account.name;

  it('with an account, the SMS stays GSM-7 and one segment, and opens with the start of its label', () => {
    fc.assert(
      fc.property(anyEvent, anyNow, configuredDisplayName, anyAccount, (event, now, name, account) => {
        const { sms } = renderAlert(event, 'a', now, { displayName: name, account });
        expect(isGsm7(sms)).toBe(true);
        expect(fitsOneSegment(sms, name)).toBe(true);
        const label = smsLabel(account);
        expect(sms.startsWith(label.slice(0, Math.min(label.length, 6)))).toBe(true);
      }),
    );
  });

  it('with an account and any display name at all, the SMS and subject keep to their limits', () => {
    fc.assert(
      fc.property(anyEvent, anyNow, displayName, anyAccount, (event, now, name, account) => {
        const { sms, subject } = renderAlert(event, 'a', now, { displayName: name, account });
        expect(isGsm7(sms)).toBe(true);
        expect(fitsOneSegment(sms, name)).toBe(true);
        expect(subject.length).toBeLessThanOrEqual(SUBJECT_MAX_CHARS);
        expect(subject).toMatch(/^[\x20-\x7e]+$/);
      }),
    );
  });

  it('with an account, a group SMS names it within one segment too', () => {
    fc.assert(
      fc.property(fc.array(anyEvent, { maxLength: 12 }), anyNow, configuredDisplayName, anyAccount, (events, now, name, account) => {
        const items = events.map((event, index) => ({ event, alertId: `a${index}` }));
        const alert = renderGroup('digest', items, 'g', now, { displayName: name, account });
        expect(isGsm7(alert.sms)).toBe(true);
        expect(fitsOneSegment(alert.sms, name)).toBe(true);
        const label = smsLabel(account);
        expect(alert.sms.startsWith(label.slice(0, Math.min(label.length, 6)))).toBe(true);
        expect(alert.subject.length).toBeLessThanOrEqual(SUBJECT_MAX_CHARS);
      }),
    );
  });

  it('the JSON document survives JSON.stringify and JSON.parse unchanged', () => {
    fc.assert(
      fc.property(anyEvent, anyNow, (event, now) => {
        const { json } = renderAlert(event, 'a', now);
        expect(JSON.parse(JSON.stringify(json))).toEqual(json);
      }),
    );
  });
});
