import type { Erasure, ProjectConfig, TopicNames } from '@sightline/contracts';
import type { DurableProducer } from '@sightline/kafka';

export interface ChangePublisher {
  /** Resolves once every in-sync replica has the record; null is a tombstone (project deleted). */
  publishProject(projectId: string, config: ProjectConfig | null): Promise<void>;
  publishErasure(erasure: Erasure): Promise<void>;
}

export function createChangePublisher(producer: DurableProducer, topics: TopicNames): ChangePublisher {
  return {
    publishProject: (projectId, config) => producer.send(topics.projects, [{ key: projectId, value: config }]),
    publishErasure: (erasure) => producer.send(topics.erasures, [{ key: erasure.projectId, value: erasure }]),
  };
}
