import { BUILT_IN_PARTICIPANTS, type AclMatrixOptions } from './acl-matrix';
import { systemTopics, type TopicLayout, type TopicSpec } from './topics';

/**
 * Every topic one deployment uses, named as it names them (a topic prefix): the design's topics
 * and a task topic for each built-in and external participant, each with its dead letters.
 * What `lethe topics plan/apply` and `lethe k8s strimzi` both start from.
 */
export function deploymentTopicSpecs(
  layout: TopicLayout,
  acls: Pick<AclMatrixOptions, 'externalParticipants' | 'topicName'>,
): TopicSpec[] {
  const participants = [
    ...Object.values(BUILT_IN_PARTICIPANTS).flat(),
    ...Object.keys(acls.externalParticipants ?? {}),
  ];
  const physical = acls.topicName ?? ((logical: string) => logical);
  return systemTopics(layout, participants).map((spec) => ({ ...spec, name: physical(spec.name) }));
}
