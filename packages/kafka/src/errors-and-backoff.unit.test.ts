import { backoffMs } from './backoff';
import { describeCause, isRetriable, KAFKA_PORT_ERROR_CODES, KafkaPortError } from './errors';

describe('backoff', () => {
  const policy = { maxAttempts: 5, initialBackoffMs: 100, maxBackoffMs: 1000 };
  it('doubles per attempt, within half to all of the ceiling, and stops at the maximum', () => {
    expect(backoffMs(policy, 1, () => 0)).toBe(50);
    expect(backoffMs(policy, 1, () => 1)).toBe(100);
    expect(backoffMs(policy, 3, () => 1)).toBe(400);
    expect(backoffMs(policy, 10, () => 1)).toBe(1000);
  });
});

describe('error causes on dead letters', () => {
  it('keeps our coded messages and drops foreign messages, which may hold personal data', () => {
    expect(describeCause(new KafkaPortError('KAFKA_DEAD_LETTER_FAILED', 'x failed', true))).toBe(
      'KAFKA_DEAD_LETTER_FAILED: x failed',
    );
    expect(describeCause(new TypeError('cannot read ada@example.com'))).toBe('TypeError');
  });

  it('treats unknown errors as retriable and honours an explicit flag', () => {
    expect(isRetriable(new Error('boom'))).toBe(true);
    expect(isRetriable(new KafkaPortError('KAFKA_TOPIC_SPEC_INVALID', 'bad', false))).toBe(false);
  });

  it('gives every error a unique code', () => {
    expect(new Set(KAFKA_PORT_ERROR_CODES).size).toBe(KAFKA_PORT_ERROR_CODES.length);
  });
});
