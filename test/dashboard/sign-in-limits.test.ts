import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CROWD_PER_ADDRESS,
  LINKS_PER_ADDRESS_AND_PLACE,
  mailsLink,
  placeOf,
} from '../../src/dashboard/sign-in-limits.js';
import type { RunningService } from '../../src/main.js';
import { startTestService } from '../helpers/service.js';
import { TestSmtp } from '../helpers/smtp.js';
import { DashboardClient } from './helpers.js';

const BOSS = 'boss@example.com';
const BOB = 'bob@example.com';

/** Asks for one address from these places in turn; which of them mailed a link. */
function replay(places: readonly string[]): boolean[] {
  const fromPlace = new Map<string, number>();
  return places.map((place, i) => {
    const fromHere = (fromPlace.get(place) ?? 0) + 1;
    fromPlace.set(place, fromHere);
    return mailsLink({ fromHere, forAddress: i + 1 });
  });
}

describe('which asks mail a sign-in link', () => {
  const place = fc.integer({ min: 0, max: 40 }).map((n) => `198.51.100.${n}`);

  it('whatever others ask, a place’s first ask is mailed; no place gets more than five; the mail is bounded', () => {
    fc.assert(
      fc.property(fc.array(place, { maxLength: 300, size: 'max' }), (others) => {
        const victim = '192.0.2.1';
        const mailed = replay([...others, victim]);
        expect(mailed.at(-1)).toBe(true);
        const all = [...others, victim];
        for (const p of new Set(all)) {
          expect(all.filter((q, i) => q === p && mailed[i]).length).toBeLessThanOrEqual(LINKS_PER_ADDRESS_AND_PLACE);
        }
        expect(mailed.filter(Boolean).length).toBeLessThanOrEqual(CROWD_PER_ADDRESS + new Set(all).size);
      }),
    );
  });

  it('four places asking five times each, then a fifth place: every one of the 21 is mailed; then one each', () => {
    const flood = ['a', 'b', 'c', 'd'].flatMap((p) => Array<string>(5).fill(p));
    expect(replay([...flood, 'victim'])).toEqual(Array(21).fill(true));
    expect(replay([...flood, 'e', 'e', 'victim'])).toEqual([...Array(21).fill(true), false, true]);
  });
});

describe('where an ask comes from', () => {
  it('an IPv4 address is itself, mapped or not; an IPv6 address counts by its /64 however it is written', () => {
    expect(placeOf('203.0.113.9')).toBe('203.0.113.9');
    expect(placeOf('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(placeOf('2001:db8::1')).toBe(placeOf('2001:0db8:0000:0000:ffff:0:0:2'));
    expect(placeOf('2001:db8::1')).not.toBe(placeOf('2001:db8:0:1::1'));
    expect(placeOf('::1')).toBe('0:0:0:0::/64');
    expect(placeOf('fe80::1%eth0')).toBe(placeOf('fe80::2'));
    expect(placeOf('unknown')).toBe('unknown');
  });

  it('any text at all gives a place, never an error', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[0-9a-f:.%]{0,45}$/)), (text) => {
        expect(typeof placeOf(text)).toBe('string');
      }),
    );
  });

  it('any IPv6 address, written out in full or as node writes it, is in its /64', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }), (groups) => {
        const full = groups.map((g) => g.toString(16).padStart(4, '0')).join(':');
        const short = new URL(`http://[${full}]/`).hostname.slice(1, -1);
        const prefix = `${groups
          .slice(0, 4)
          .map((g) => g.toString(16))
          .join(':')}::/64`;
        expect(placeOf(full)).toBe(prefix);
        if (!short.includes('.')) expect(placeOf(short)).toBe(prefix);
      }),
    );
  });
});

/** Sign-in link limits over HTTP: someone asking for your address spends their budget, not yours. */
describe('dashboard sign-in link limits', () => {
  let smtp: TestSmtp;
  let running: RunningService;
  /** Whom a link was issued for, in order. */
  const issued: string[] = [];
  beforeAll(async () => {
    smtp = await new TestSmtp().start();
    running = await startTestService({
      SMTP_URL: smtp.url,
      LOOPPAUSE_DASHBOARD_ADMINS: BOSS,
      LOOPPAUSE_DASHBOARD_USERS: `${BOB},ipv6@example.com`,
    });
    // The form answers after the link is issued (and before its mail goes out): links issued so
    // far are links mailed, countable without waiting for mail that should never come.
    const links = running.dashboard.links;
    const issue = links.issue.bind(links);
    links.issue = (email, slack) => {
      issued.push(email);
      return issue(email, slack);
    };
  });
  afterAll(async () => {
    await running?.close();
    await smtp?.stop();
  });

  const linksFor = (email: string) => issued.filter((to) => to === email).length;

  /** Asks for `email`'s link from `ip` (X-Forwarded-For, trusted from loopback by default). */
  const ask = async (email: string, ip: string, client = new DashboardClient(running)) => {
    const page = await (await client.get('/dashboard/signin', { 'x-forwarded-for': ip })).text();
    const res = await client.post(
      '/dashboard/signin',
      { csrf: DashboardClient.field(page, 'csrf'), email },
      { 'x-forwarded-for': ip },
    );
    expect(res.status).toBe(200);
  };

  it('an asker from elsewhere gets 5 links for an address, then none; the owner still gets theirs', async () => {
    const attacker = new DashboardClient(running);
    for (let i = 0; i < 7; i++) await ask(BOSS, '203.0.113.9', attacker);
    expect(linksFor(BOSS)).toBe(5);
    const seen = new Set(smtp.mails);
    await ask(BOSS, '198.51.100.7');
    expect(linksFor(BOSS)).toBe(6);
    await smtp.waitFor({ count: 1, match: (m) => !seen.has(m) && JSON.stringify(m.to ?? '').includes(BOSS) });
  });

  it('a crowd of places asking for an address cannot keep its owner’s link from them, and any link sent works', async () => {
    for (let place = 1; place <= 10; place++) {
      for (let i = 0; i < 5; i++) await ask(BOB, `203.0.113.${place}`);
    }
    // Four places' five links each, then the first link only of each further place.
    expect(linksFor(BOB)).toBeLessThanOrEqual(CROWD_PER_ADDRESS + 10);
    const flood = await smtp.waitFor({ count: 1, match: (m) => JSON.stringify(m.to ?? '').includes(BOB) });

    const bob = new DashboardClient(running);
    const seen = new Set(smtp.mails);
    const page = await (await bob.get('/dashboard/signin', { 'x-forwarded-for': '192.0.2.44' })).text();
    const before = linksFor(BOB);
    await bob.post(
      '/dashboard/signin',
      { csrf: DashboardClient.field(page, 'csrf'), email: BOB },
      { 'x-forwarded-for': '192.0.2.44' },
    );
    expect(linksFor(BOB)).toBe(before + 1);
    const [own] = await smtp.waitFor({
      match: (m) => !seen.has(m) && JSON.stringify(m.to ?? '').includes(BOB),
    });
    const link = /https?:\/\/\S+\/dashboard\/signin\/[A-Za-z0-9_-]{43}/.exec(own?.text ?? '')?.[0] ?? '';
    expect((await bob.useLink(link)).status).toBe(303);

    // A link the crowd had sent is as good, for whoever reads Bob's mail.
    const first = /https?:\/\/\S+\/dashboard\/signin\/[A-Za-z0-9_-]{43}/.exec(flood[0]?.text ?? '')?.[0] ?? '';
    expect((await new DashboardClient(running).useLink(first)).status).toBe(303);
  });

  it('odd X-Forwarded-For values are just other places: the form answers, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.constantFrom('', ' ', ',', '::', '::ffff:', '1.2.3', '999.1.1.1', 'fe80::1%25eth0', '[::1]', 'unknown'),
          fc.stringMatching(/^[0-9a-f:., %]{1,40}$/),
        ),
        async (forwarded) => {
          const client = new DashboardClient(running);
          const page = await (await client.get('/dashboard/signin')).text();
          const res = await client.post(
            '/dashboard/signin',
            { csrf: DashboardClient.field(page, 'csrf'), email: 'nobody@example.com' },
            { 'x-forwarded-for': forwarded },
          );
          expect([200, 429]).toContain(res.status);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('the addresses of one IPv6 /64 are one place', async () => {
    for (let i = 1; i <= 7; i++) await ask('ipv6@example.com', `2001:db8:7:7::${i.toString(16)}`);
    expect(linksFor('ipv6@example.com')).toBe(LINKS_PER_ADDRESS_AND_PLACE);
  });
});
