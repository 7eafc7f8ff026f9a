/** SNS endpoint host names and topic ARNs: which region and partition each one names. */
import { forbidden, type HttpError } from '../../../errors.js';

export type SnsSuffix = 'amazonaws.com' | 'amazonaws.com.cn' | 'amazonaws.eu';

/** A host known to be `sns.<region>.<suffix>`. */
export interface SnsHost {
  readonly host: string;
  readonly region: string;
  readonly suffix: SnsSuffix;
}

export interface TopicArn {
  readonly partition: string;
  readonly region: string;
}

// A region is letter groups joined by hyphens, then a number: us-east-1, us-gov-west-1,
// eusc-de-east-1. The first group has no digit, so an S3 bucket host (s3-ap-southeast-2) fails.
// Bounded: a SigningCertURL that passes is remembered, and a region of a megabyte was one.
const REGION = '[a-z]{2,9}(?:-[a-z]{1,9}){1,3}-\\d{1,3}';
const SNS_HOST = new RegExp(
  `^sns\\.(${REGION})\\.(amazonaws\\.com|amazonaws\\.com\\.cn|amazonaws\\.eu)$`,
);
const TOPIC_ARN = new RegExp(
  `^arn:(aws(?:-[a-z]+)*):sns:(${REGION}):\\d{12}:[A-Za-z0-9_.-]{1,256}$`,
);

/** Reads `sns.<region>.<suffix>`; anything else, including upper case, is `undefined`. */
export function parseSnsHost(host: string): SnsHost | undefined {
  const match = SNS_HOST.exec(host);
  if (!match) return undefined;
  return { host, region: match[1] as string, suffix: match[2] as SnsSuffix };
}

/** Reads `arn:<partition>:sns:<region>:<account>:<name>`. */
export function parseTopicArn(arn: string): TopicArn | undefined {
  const match = TOPIC_ARN.exec(arn);
  if (!match) return undefined;
  return { partition: match[1] as string, region: match[2] as string };
}

/** The partition whose SNS endpoints live on this host. */
export function partitionOf(host: SnsHost): string {
  if (host.suffix === 'amazonaws.com.cn') return 'aws-cn';
  if (host.suffix === 'amazonaws.eu') return 'aws-eusc';
  return host.region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
}

/** Refuses a TopicArn whose region or partition is not the one the SNS host serves. */
export function checkTopicOnHost(topicArn: string, host: SnsHost): HttpError | undefined {
  const topic = parseTopicArn(topicArn);
  if (!topic) {
    return forbidden('topic-arn-invalid', `TopicArn ${topicArn} is not an SNS topic ARN`);
  }
  if (topic.region !== host.region) {
    return forbidden(
      'topic-region-mismatch',
      `TopicArn ${topicArn} is in region ${topic.region} but the message was signed for ${host.host}`,
    );
  }
  if (topic.partition !== partitionOf(host)) {
    return forbidden(
      'topic-partition-mismatch',
      `TopicArn ${topicArn} is in partition ${topic.partition} but ${host.host} serves ${partitionOf(host)}`,
    );
  }
  return undefined;
}
