import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ResourcePatternTypes,
  type AclEntry,
  type Admin,
} from 'kafkajs';

import type { AclGrant, AclOperation, AclResource } from './acl-matrix';

const RESOURCE: Record<AclResource, AclResourceTypes> = {
  topic: AclResourceTypes.TOPIC,
  group: AclResourceTypes.GROUP,
  'transactional-id': AclResourceTypes.TRANSACTIONAL_ID,
};

const OPERATION: Record<AclOperation, AclOperationTypes> = {
  read: AclOperationTypes.READ,
  write: AclOperationTypes.WRITE,
  describe: AclOperationTypes.DESCRIBE,
  'describe-configs': AclOperationTypes.DESCRIBE_CONFIGS,
  create: AclOperationTypes.CREATE,
  'alter-configs': AclOperationTypes.ALTER_CONFIGS,
  delete: AclOperationTypes.DELETE,
};

function entries(grant: AclGrant): AclEntry[] {
  return grant.operations.map((operation) => ({
    resourceType: RESOURCE[grant.resource],
    resourceName: grant.name,
    resourcePatternType: grant.prefixed ? ResourcePatternTypes.PREFIXED : ResourcePatternTypes.LITERAL,
    principal: `User:${grant.principal}`,
    host: '*',
    operation: OPERATION[operation],
    permissionType: AclPermissionTypes.ALLOW,
  }));
}

/** Creates every grant's ACLs; the broker keeps one copy of an ACL created twice. */
export async function applyAcls(admin: Admin, grants: readonly AclGrant[]): Promise<number> {
  const acl = grants.flatMap(entries);
  if (acl.length > 0) await admin.createAcls({ acl });
  return acl.length;
}
