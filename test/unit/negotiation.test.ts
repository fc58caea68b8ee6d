import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MediaType, V2_RESPONSE, type Offer } from '../../src/http/media-types.ts';
import { negotiate, parseAccept, requestMediaType } from '../../src/http/negotiation.ts';

const V2 = MediaType.V2;
const JSON_TYPE = MediaType.JSON;

// The consumer-resource declaration of §1.1: binary at 1.0, the other embedded types at 0.1,
// the plain v2 type at 0.9. Used where the real V2_RESPONSE offers are too few to show a rule.
const CONSUMER_OFFERS: Offer[] = [
  { type: MediaType.V2_BINARY, qs: 1 },
  { type: MediaType.V2_JSON, qs: 0.1 },
  { type: MediaType.V2_AVRO, qs: 0.1 },
  { type: V2, qs: 0.9 },
];

describe('parseAccept', () => {
  test('a missing, empty or blank header is a single */* range at q=1', () => {
    for (const header of [undefined, '', '   ']) {
      assert.deepEqual(parseAccept(header), [{ type: '*', subtype: '*', q: 1 }], JSON.stringify(header));
    }
  });

  test('reads ranges, lower-cases them, and reads q (name case-insensitive) with surrounding spaces', () => {
    assert.deepEqual(parseAccept('Application/JSON ; Q = 0.5 , text/*;level=1, */*;q=0.1'), [
      { type: 'application', subtype: 'json', q: 0.5 },
      { type: 'text', subtype: '*', q: 1 },
      { type: '*', subtype: '*', q: 0.1 },
    ]);
  });

  test('skips entries that are not type/subtype', () => {
    assert.deepEqual(parseAccept('garbage, /json, application/, ,application/json'), [
      { type: 'application', subtype: 'json', q: 1 },
    ]);
  });

  test('clamps q into [0, 1] and treats a non-numeric q as 0', () => {
    assert.deepEqual(
      parseAccept('a/b;q=2, c/d;q=-1, e/f;q=abc, g/h;q=0.25').map((r) => r.q),
      [1, 0, 0, 0.25],
    );
  });
});

describe('negotiate with the v2 response offers', () => {
  test('missing, empty and */* Accept pick the highest-qs type (vnd.kafka.v2+json)', () => {
    assert.equal(negotiate(undefined, V2_RESPONSE), V2);
    assert.equal(negotiate('', V2_RESPONSE), V2);
    assert.equal(negotiate('*/*', V2_RESPONSE), V2);
    assert.equal(negotiate('application/*', V2_RESPONSE), V2);
  });

  test('an exact type is chosen even when it has the lower server qs', () => {
    assert.equal(negotiate(JSON_TYPE, V2_RESPONSE), JSON_TYPE);
    assert.equal(negotiate(V2, V2_RESPONSE), V2);
  });

  test('matching is case-insensitive on the Accept side', () => {
    assert.equal(negotiate('APPLICATION/JSON', V2_RESPONSE), JSON_TYPE);
  });

  test('equal client q is a tie broken by the server qs', () => {
    assert.equal(negotiate(`${JSON_TYPE}, ${V2}`, V2_RESPONSE), V2);
    assert.equal(negotiate(`${JSON_TYPE};q=0.7, ${V2};q=0.7`, V2_RESPONSE), V2);
  });

  test('client q-values are honoured: the docs example and its reverse', () => {
    assert.equal(negotiate(`${V2}; q=0.9, ${JSON_TYPE}; q=0.5`, V2_RESPONSE), V2);
    // 0.2 × qs 1 < 1 × qs 0.5
    assert.equal(negotiate(`${V2};q=0.2, ${JSON_TYPE}`, V2_RESPONSE), JSON_TYPE);
  });

  test('q=0 excludes a type, even when a wildcard would accept it', () => {
    assert.equal(negotiate(`${V2};q=0, */*`, V2_RESPONSE), JSON_TYPE);
    assert.equal(negotiate(`${V2};q=0, ${JSON_TYPE};q=0`, V2_RESPONSE), null);
    assert.equal(negotiate('*/*;q=0', V2_RESPONSE), null);
  });

  test('the most specific matching range gives the q, whatever its order', () => {
    // application/* says 1, but the exact v2 range says 0.1: 0.1 × 1 < 1 × 0.5.
    assert.equal(negotiate(`application/*, ${V2};q=0.1`, V2_RESPONSE), JSON_TYPE);
    assert.equal(negotiate(`${V2};q=0.1, application/*`, V2_RESPONSE), JSON_TYPE);
    // type/* beats */*: application/*;q=0 excludes both offers although */* allows them.
    assert.equal(negotiate('*/*, application/*;q=0', V2_RESPONSE), null);
    // …and an exact range beats type/*: v2 stays acceptable.
    assert.equal(negotiate(`application/*;q=0, ${V2}`, V2_RESPONSE), V2);
  });

  test('nothing acceptable → null (the caller answers 406)', () => {
    assert.equal(negotiate('text/plain', V2_RESPONSE), null);
    assert.equal(negotiate('text/*', V2_RESPONSE), null);
    assert.equal(negotiate('application/xml, text/html;q=0.9', V2_RESPONSE), null);
    assert.equal(negotiate(MediaType.V2_BINARY, V2_RESPONSE), null);
  });

  test('malformed entries are ignored; an Accept with only malformed entries accepts nothing', () => {
    assert.equal(negotiate(`nonsense, ${JSON_TYPE}`, V2_RESPONSE), JSON_TYPE);
    assert.equal(negotiate('nonsense', V2_RESPONSE), null);
    assert.equal(negotiate(`${V2};q=abc, ${JSON_TYPE};q=0.1`, V2_RESPONSE), JSON_TYPE);
  });

  test('a subtype wildcard under another type does not match', () => {
    assert.equal(negotiate('*/json', V2_RESPONSE), null);
  });

  test('media type parameters other than q do not prevent a match', () => {
    assert.equal(negotiate(`${JSON_TYPE}; charset=utf-8`, V2_RESPONSE), JSON_TYPE);
  });

  test('no offers → null', () => {
    assert.equal(negotiate('*/*', []), null);
  });
});

describe('negotiate with the consumer-style offers of §1.1', () => {
  test('*/* and a missing Accept default to binary', () => {
    assert.equal(negotiate('*/*', CONSUMER_OFFERS), MediaType.V2_BINARY);
    assert.equal(negotiate(undefined, CONSUMER_OFFERS), MediaType.V2_BINARY);
  });

  test('asking for json gets json although its qs is 0.1', () => {
    assert.equal(negotiate(MediaType.V2_JSON, CONSUMER_OFFERS), MediaType.V2_JSON);
  });

  test('among equally preferred types the server qs decides', () => {
    assert.equal(negotiate(`${MediaType.V2_JSON}, ${MediaType.V2_BINARY}`, CONSUMER_OFFERS), MediaType.V2_BINARY);
    assert.equal(negotiate(`${MediaType.V2_JSON}, ${V2}`, CONSUMER_OFFERS), V2);
  });

  test(
    'client q decides first, server qs only breaks ties (Jersey CombinedMediaType.COMPARATOR)',
    () => {
      // Client prefers json (q=1) over v2 (q=0.5). Jersey answers json; q × qs would give v2 (0.45 > 0.1).
      assert.equal(negotiate(`${MediaType.V2_JSON}, ${V2};q=0.5`, CONSUMER_OFFERS), MediaType.V2_JSON);
      // Client prefers application/json (0.9) over v2 (0.6); q × qs would give v2 (0.6 > 0.45).
      assert.equal(negotiate(`${V2};q=0.6, ${JSON_TYPE};q=0.9`, V2_RESPONSE), JSON_TYPE);
    },
  );
});

describe('requestMediaType', () => {
  test('strips parameters and whitespace and lower-cases', () => {
    assert.equal(requestMediaType('application/vnd.kafka.binary.v2+json'), MediaType.V2_BINARY);
    assert.equal(requestMediaType('Application/Vnd.Kafka.JSON.v2+JSON; charset=UTF-8'), MediaType.V2_JSON);
    assert.equal(requestMediaType('  application/json ;charset=utf-8;foo=bar'), JSON_TYPE);
  });

  test('absent or empty → undefined', () => {
    assert.equal(requestMediaType(undefined), undefined);
    assert.equal(requestMediaType(''), undefined);
    assert.equal(requestMediaType('   '), undefined);
    assert.equal(requestMediaType('; charset=utf-8'), undefined);
  });
});
