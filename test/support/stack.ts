/** The local stack started by test/global-setup.ts, and SDK clients for it. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { inject } from 'vitest';
import type { StackConfig } from '../../functions/adapters/storage-layout.ts';
import { clientConfig } from '../../infra/local/stack.ts';

export function testStack(): StackConfig {
  return inject('stack');
}

export function dynamoClient(): DynamoDBClient {
  return new DynamoDBClient(clientConfig(testStack()));
}

export function s3Client(): S3Client {
  return new S3Client(clientConfig(testStack(), 's3'));
}
