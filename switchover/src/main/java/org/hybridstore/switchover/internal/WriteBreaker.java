package org.hybridstore.switchover.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.util.concurrent.TimeUnit;
import org.hybridstore.SwitchoverConfig;

/**
 * The error and slow-call rate of etcd writes, through a Resilience4j circuit breaker with a short,
 * time-based window. It only reports: the router records every strong attempt's outcome and never
 * asks the breaker for permission, and when the breaker opens the {@link ModePolicy} decides what
 * that means. (A breaker that also routed would be a second state machine beside the mode: in an
 * earlier version it sent every write to the journal while the mode said etcd served them.)
 */
final class WriteBreaker {
  private final CircuitBreaker breaker;

  WriteBreaker(String name, SwitchoverConfig c, Runnable onOpened) {
    breaker =
        CircuitBreaker.of(
            name,
            CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.TIME_BASED)
                .slidingWindowSize((int) Math.max(1, c.breakerWindow().toSeconds()))
                .minimumNumberOfCalls(c.breakerMinimumCalls())
                .failureRateThreshold(c.breakerFailureRate())
                .slowCallRateThreshold(c.breakerFailureRate())
                .slowCallDurationThreshold(c.strongWriteDeadline())
                .waitDurationInOpenState(c.stablePeriod())
                // Nobody asks it for permission, so it must leave OPEN by itself to keep counting.
                .automaticTransitionFromOpenToHalfOpenEnabled(true)
                .permittedNumberOfCallsInHalfOpenState(c.breakerMinimumCalls())
                .build());
    breaker
        .getEventPublisher()
        .onStateTransition(
            e -> {
              if (e.getStateTransition().getToState() == CircuitBreaker.State.OPEN) {
                onOpened.run();
              }
            });
  }

  /** Records a successful strong write. */
  void success(long nanos) {
    breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
  }

  /**
   * Records a failed strong write (request faults such as a rejected command are not etcd's fault).
   */
  void failure(long nanos, Throwable error) {
    if (!RequestRouter.isRequestFault(error)) {
      breaker.onError(nanos, TimeUnit.NANOSECONDS, error);
    }
  }

  /** Starts counting afresh (the store is STRONG again). */
  void reset() {
    breaker.reset();
  }

  /** Returns the breaker's state's name (CLOSED, OPEN, HALF_OPEN, ...). */
  String state() {
    return breaker.getState().name();
  }
}
