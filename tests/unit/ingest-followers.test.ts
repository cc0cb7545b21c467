import { describe, expect, it } from 'vitest';
import { followerRefusal, followersOf, MAX_FOLLOWERS_PER_EMAIL } from '../../src/ingest/followers.js';
import { isUnattendedAddress } from '../../src/ingest/protection.js';

const OURS = ['support@acme.example', 'billing@acme.example'];
const email = (recipients: [string, string?][], from = 'carla@customer.example') => ({
  from: { address: from, name: 'Carla' },
  recipients: recipients.map(([address, name = '']) => ({ address, name })),
});

describe('followersOf', () => {
  it('keeps the people copied, in order, with their names', () => {
    expect(
      followersOf(
        email([['support@acme.example'], ['dana@customer.example', 'Dana'], ['ed@partner.example']]),
        OURS,
      ),
    ).toEqual([
      { address: 'dana@customer.example', name: 'Dana' },
      { address: 'ed@partner.example', name: '' },
    ]);
  });

  it('leaves out the sender, our addresses (sub-addresses too) and unattended ones', () => {
    const out = followersOf(
      email([
        ['Carla@Customer.example'],
        ['carla+cc@customer.example'],
        ['support+tickets@acme.example'],
        ['BILLING@acme.example'],
        ['no-reply@shop.example'],
        ['noreply+x@shop.example'],
        ['do-not-reply@shop.example'],
        ['mailer-daemon@mx.example'],
        ['postmaster@mx.example'],
        ['replies@shop.example'],
      ]),
      OURS,
    );
    expect(out.map((f) => f.address)).toEqual(['replies@shop.example']);
  });

  it('lower-cases, takes each address once and stops at the limit', () => {
    const many = Array.from(
      { length: MAX_FOLLOWERS_PER_EMAIL + 5 },
      (_, i) => [`P${i}@Example.com`] as [string],
    );
    const out = followersOf(email([['Dana@Example.com'], ['dana@example.com'], ...many]), OURS);
    expect(out[0]).toEqual({ address: 'dana@example.com', name: '' });
    expect(out).toHaveLength(MAX_FOLLOWERS_PER_EMAIL);
    expect(new Set(out.map((f) => f.address)).size).toBe(out.length);
  });

  it('works for an email without a sender', () => {
    expect(
      followersOf({ from: null, recipients: [{ address: 'a@b.example', name: 'A' }] }, OURS),
    ).toHaveLength(1);
  });
});

describe('followerRefusal', () => {
  it('accepts a plain address and names the problem of anything else', () => {
    expect(followerRefusal('dana@customer.example', OURS)).toBeNull();
    expect(followerRefusal('dana.o-brien+x@sub.customer.example', OURS)).toBeNull();
    for (const bad of [
      'dana',
      'dana@',
      '@x.example',
      'a@@x.example',
      'a b@x.example',
      'a@localhost',
      'a@x.',
      '"a"@x.example',
      `${'a'.repeat(320)}@x.example`,
    ])
      expect(followerRefusal(bad, OURS), bad).toMatch(/not a valid/);
    expect(followerRefusal('support+x@acme.example', OURS)).toMatch(/mailbox/);
    expect(followerRefusal('donotreply@x.example', OURS)).toMatch(/no-reply/);
  });
});

describe('isUnattendedAddress', () => {
  it('knows mail systems and no-reply senders, not people whose names only look alike', () => {
    for (const a of [
      'MAILER-DAEMON@x.example',
      'postmaster@x.example',
      'no_reply@x.example',
      'do.not.reply@x.example',
      'noreply-billing@x.example',
    ])
      expect(isUnattendedAddress(a), a).toBe(true);
    for (const a of ['noreen@x.example', 'replyteam@x.example', 'postmaster-general@x.example'])
      expect(isUnattendedAddress(a), a).toBe(false);
  });
});
