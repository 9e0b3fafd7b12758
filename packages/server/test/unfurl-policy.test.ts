/**
 * The pure parts of link previews: which addresses may be fetched, and what a page's metadata
 * says. No network here; unfurl.test.ts drives the whole path over loopback.
 */
import { describe, expect, it } from 'vitest';
import { isIpLiteral, isPublicAddress } from '../src/domain/unfurl/address-policy.js';
import { extractMeta } from '../src/domain/unfurl/html-meta.js';

describe('address policy', () => {
  it.each([
    '127.0.0.1',
    '127.255.0.9',
    '10.0.0.1',
    '172.16.5.4',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '255.255.255.255',
    '224.0.0.1',
    '192.0.2.10',
    '::1',
    '[::1]',
    '::',
    'fe80::1',
    'fe80::1%eth0',
    'fc00::1',
    'fd12:3456::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '::ffff:169.254.169.254',
    '64:ff9b::a00:1',
    '2002:a00:1::1',
    'not an address',
  ])('refuses %s', (ip) => {
    expect(isPublicAddress(ip)).toBe(false);
  });

  it.each(['93.184.215.14', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])(
    'accepts the public address %s',
    (ip) => {
      expect(isPublicAddress(ip)).toBe(true);
    },
  );

  it('tells IP literals from names (URL hostnames are already normalised)', () => {
    expect(isIpLiteral(new URL('http://2130706433/').hostname)).toBe(true);
    expect(new URL('http://2130706433/').hostname).toBe('127.0.0.1');
    expect(isIpLiteral(new URL('http://0x7f.1/').hostname)).toBe(true);
    expect(isIpLiteral(new URL('http://[::1]/').hostname)).toBe(true);
    expect(isIpLiteral('example.com')).toBe(false);
  });
});

describe('page metadata', () => {
  const page = new URL('https://example.com/articles/1');

  it('prefers Open Graph, then Twitter cards, then <title> and meta description', () => {
    const html = `<!doctype html><html><head>
      <title>Plain   title</title>
      <meta name="description" content="meta description">
      <meta name="twitter:title" content="Twitter title">
      <meta property="og:title" content="OG &amp; title">
      <meta property="og:image" content="/img/cover.png">
      <meta property="og:site_name" content="Example">
    </head><body><svg><title>not this</title></svg></body></html>`;
    expect(extractMeta(html, page)).toEqual({
      title: 'OG & title',
      description: 'meta description',
      image: 'https://example.com/img/cover.png',
      site_name: 'Example',
    });
  });

  it('falls back to <title>, ignores SVG titles and non-http images', () => {
    const html = `<html><body><svg><title>icon</title></svg></body><head><title>Real</title>
      <meta property="og:image" content="javascript:alert(1)"></head></html>`;
    expect(extractMeta(html, page)).toMatchObject({ title: 'Real', image: null });
  });

  it('keeps markup in metadata as text (the client renders text, never HTML)', () => {
    const html = `<title>&lt;img src=x onerror=alert(1)&gt;</title>
      <meta property="og:description" content="<script>alert(2)</script>">`;
    expect(extractMeta(html, page)).toMatchObject({
      title: '<img src=x onerror=alert(1)>',
      description: '<script>alert(2)</script>',
    });
  });

  it('copes with malformed markup and truncates long values', () => {
    const html = `<head><title>${'x'.repeat(1000)}</title><meta property="og:description" content="a`;
    const meta = extractMeta(html, page);
    expect(meta.title?.length).toBeLessThanOrEqual(300);
    expect(meta.title?.endsWith('…')).toBe(true);
    expect(extractMeta('', page)).toEqual({
      title: null,
      description: null,
      image: null,
      site_name: null,
    });
  });
});
