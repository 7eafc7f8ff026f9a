import { describe, expect, it } from 'vitest';
import { isHttpError } from '../../src/errors.js';
import { checkCertUrl } from '../../src/providers/ses/sns/cert-url.js';
import {
  checkTopicOnHost,
  parseSnsHost,
  parseTopicArn,
} from '../../src/providers/ses/sns/sns-host.js';

const PATH = '/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem';

const reasonOf = (url: string) => {
  const result = checkCertUrl(url);
  return isHttpError(result) ? result.reason : 'accepted';
};

describe('certificate URL', () => {
  it.each([
    'sns.us-east-1.amazonaws.com',
    'sns.eu-central-1.amazonaws.com',
    'sns.us-gov-west-1.amazonaws.com',
    'sns.cn-north-1.amazonaws.com.cn',
    'sns.eusc-de-east-1.amazonaws.eu',
    'sns.ap-southeast-2.amazonaws.com',
    'sns.us-isob-east-1.amazonaws.com',
    'sns.cn-northwest-1.amazonaws.com.cn',
  ])('accepts %s', (host) => {
    expect(reasonOf(`https://${host}${PATH}`)).toBe('accepted');
  });

  it.each([
    ['an S3 bucket host', `https://sns.s3-ap-southeast-2.amazonaws.com${PATH}`, 'cert-url-host'],
    [
      'a bucket host without sns',
      `https://s3-ap-southeast-2.amazonaws.com${PATH}`,
      'cert-url-host',
    ],
    ['an extra label', `https://sns.us-east-1.evil.amazonaws.com${PATH}`, 'cert-url-host'],
    ['a region without number', `https://sns.us-east.amazonaws.com${PATH}`, 'cert-url-host'],
    ['a single-group region', `https://sns.useast1.amazonaws.com${PATH}`, 'cert-url-host'],
    // No region is this long; one that passed would be remembered, a megabyte at a time.
    [
      'a region a megabyte long',
      `https://sns.us-${'a'.repeat(1_000_000)}-1.amazonaws.com${PATH}`,
      'cert-url-host',
    ],
    ['a suffix host', `https://sns.us-east-1.amazonaws.com.evil.com${PATH}`, 'cert-url-host'],
    ['a trailing dot', `https://sns.us-east-1.amazonaws.com.${PATH}`, 'cert-url-host'],
    ['upper case', `https://sns.US-EAST-1.amazonaws.com${PATH}`, 'cert-url-host'],
    ['an IPv4 host', `https://52.94.0.1${PATH}`, 'cert-url-host'],
    ['an IPv6 host', `https://[::1]${PATH}`, 'cert-url-host'],
    ['a non-ASCII host', `https://sns.us-east-1.amazonaws.cоm${PATH}`, 'cert-url-invalid'],
    ['a space', `https://sns.us-east-1.amazonaws.com ${PATH}`, 'cert-url-invalid'],
    [
      'a tab in the path',
      `https://sns.us-east-1.amazonaws.com/Simple\tNotificationService.pem`,
      'cert-url-invalid',
    ],
    ['no scheme', `sns.us-east-1.amazonaws.com${PATH}`, 'cert-url-invalid'],
    [
      'a single slash after the scheme',
      `https:/sns.us-east-1.amazonaws.com${PATH}`,
      'cert-url-scheme',
    ],
    ['an empty port', `https://sns.us-east-1.amazonaws.com:${PATH}`, 'cert-url-port'],
    ['an empty fragment', `https://sns.us-east-1.amazonaws.com${PATH}#`, 'cert-url-fragment'],
    ['a query in the path', 'https://sns.us-east-1.amazonaws.com/x?.pem', 'cert-url-query'],
    ['an encoded slash', `https://sns.us-east-1.amazonaws.com/x%2f..${PATH}`, 'cert-url-path'],
    ['a doubled slash', `https://sns.us-east-1.amazonaws.com/${PATH}`, 'cert-url-path'],
    [
      'another extension',
      `https://sns.us-east-1.amazonaws.com${PATH.replace('.pem', '.crt')}`,
      'cert-url-path',
    ],
  ])('refuses %s', (_what, url, reason) => {
    expect(reasonOf(url)).toBe(reason);
  });

  it('returns the host, region and suffix it accepted', () => {
    const result = checkCertUrl(`https://sns.cn-north-1.amazonaws.com.cn${PATH}`);
    expect(result).toEqual({
      href: `https://sns.cn-north-1.amazonaws.com.cn${PATH}`,
      host: {
        host: 'sns.cn-north-1.amazonaws.com.cn',
        region: 'cn-north-1',
        suffix: 'amazonaws.com.cn',
      },
    });
  });
});

describe('topic ARN and SNS host', () => {
  it('reads partition and region from a topic ARN', () => {
    expect(parseTopicArn('arn:aws-us-gov:sns:us-gov-west-1:123456789012:t.fifo')).toEqual({
      partition: 'aws-us-gov',
      region: 'us-gov-west-1',
    });
    expect(parseTopicArn('arn:aws:sqs:us-east-1:123456789012:t')).toBeUndefined();
    expect(parseTopicArn('arn:aws:sns:us-east-1:1234:t')).toBeUndefined();
  });

  it('reads a topic ARN only from its first character, and only with a bounded region', () => {
    expect(parseTopicArn('evil:arn:aws:sns:us-east-1:123456789012:t')).toBeUndefined();
    expect(parseTopicArn('arn:aws:sns:abcdefghij-east-1:123456789012:t')).toBeUndefined();
  });

  it.each([
    ['arn:aws:sns:us-east-1:123456789012:t', 'sns.us-east-1.amazonaws.com', undefined],
    [
      'arn:aws-us-gov:sns:us-gov-west-1:123456789012:t',
      'sns.us-gov-west-1.amazonaws.com',
      undefined,
    ],
    ['arn:aws-cn:sns:cn-north-1:123456789012:t', 'sns.cn-north-1.amazonaws.com.cn', undefined],
    [
      'arn:aws-eusc:sns:eusc-de-east-1:123456789012:t',
      'sns.eusc-de-east-1.amazonaws.eu',
      undefined,
    ],
    [
      'arn:aws:sns:us-west-2:123456789012:t',
      'sns.us-east-1.amazonaws.com',
      'topic-region-mismatch',
    ],
    [
      'arn:aws:sns:us-gov-west-1:123456789012:t',
      'sns.us-gov-west-1.amazonaws.com',
      'topic-partition-mismatch',
    ],
    [
      'arn:aws:sns:cn-north-1:123456789012:t',
      'sns.cn-north-1.amazonaws.com.cn',
      'topic-partition-mismatch',
    ],
    ['not-an-arn', 'sns.us-east-1.amazonaws.com', 'topic-arn-invalid'],
  ])('%s on %s: %s', (arn, host, reason) => {
    const snsHost = parseSnsHost(host);
    if (!snsHost) throw new Error(`not an SNS host: ${host}`);
    expect(checkTopicOnHost(arn, snsHost)?.reason).toBe(reason);
  });
});
