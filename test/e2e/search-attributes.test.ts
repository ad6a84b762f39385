// The inbox's search attributes on a cluster the app did not start: registered at start-up when missing, and a
// refusal to register stops start-up with the commands that fix it.
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import {
  ensureSearchAttributes,
  SearchAttributesMissingError,
} from '../../src/temporal/search-attributes.js';

/** The proto's seconds are a Long; a plain number is what it is made from. */
const ONE_DAY_SECONDS = proto.google.protobuf.Duration.fromObject({ seconds: 24 * 3600 }).seconds;

let connection: Connection;

beforeAll(async () => {
  connection = await Connection.connect({ address: inject('temporalAddress') });
});
afterAll(() => connection?.close());

it('registers what a fresh namespace lacks, once, with the types the inbox queries need', async () => {
  const namespace = `inbox-${Date.now().toString(36)}`;
  await connection.workflowService.registerNamespace({
    namespace,
    workflowExecutionRetentionPeriod: { seconds: ONE_DAY_SECONDS },
  });
  expect(await ensureSearchAttributes(connection, namespace)).toEqual([
    'CountersignApprovalStatus',
    'CountersignDeciders',
    'CountersignRequester',
    'CountersignTool',
  ]);
  const listed = await connection.operatorService.listSearchAttributes({ namespace });
  const types = proto.temporal.api.enums.v1.IndexedValueType;
  expect(listed.customAttributes?.CountersignDeciders).toBe(types.INDEXED_VALUE_TYPE_KEYWORD_LIST);
  expect(listed.customAttributes?.CountersignApprovalStatus).toBe(types.INDEXED_VALUE_TYPE_KEYWORD);
  // A second start finds them all.
  expect(await ensureSearchAttributes(connection, namespace)).toEqual([]);
});

it('stops start-up with the commands to run when the cluster refuses to register them', async () => {
  // A cluster where this client has no operator rights: listing works, adding is refused.
  const refusing = {
    operatorService: {
      listSearchAttributes: (request: { namespace: string }) =>
        connection.operatorService.listSearchAttributes(request),
      addSearchAttributes: () => Promise.reject(new Error('PermissionDenied: Request unauthorized.')),
    } as unknown as Connection['operatorService'],
  };
  const namespace = `refused-${Date.now().toString(36)}`;
  await connection.workflowService.registerNamespace({
    namespace,
    workflowExecutionRetentionPeriod: { seconds: ONE_DAY_SECONDS },
  });
  const failure = ensureSearchAttributes(refusing, namespace);
  await expect(failure).rejects.toThrow(SearchAttributesMissingError);
  await expect(failure).rejects.toThrow(/PermissionDenied/);
  await expect(failure).rejects.toThrow(
    `temporal operator search-attribute create --namespace ${namespace} --name CountersignDeciders --type KeywordList`,
  );
});
