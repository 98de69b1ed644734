package org.hybridstore.switchover.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.hybridstore.SwitchoverConfig;
import org.jspecify.annotations.Nullable;

/**
 * The decisions of the switchover as a pure state machine: signals in, at most one transition out.
 * No clocks, threads or I/O, so every rule is unit-tested with made-up times. Not thread-safe: the
 * controller calls it from its one thread.
 *
 * <p>Rules:
 *
 * <ul>
 *   <li>STRONG or RECONCILING → DEGRADED after {@code failedProbesToDegrade} consecutive failed
 *       probes, or at once when the write path's circuit breaker opens, or when an operator forces it;
 *   <li>DEGRADED → RECONCILING once probes have succeeded without a failure for {@code
 *       stablePeriod} (hysteresis: a probe that fails one time in two never gets there), unless an
 *       operator holds the store degraded; an operator's reconcile request skips the wait if the
 *       last probe succeeded;
 *   <li>RECONCILING → STRONG when a reconcile pass reports an empty backlog.
 * </ul>
 */
public final class ModePolicy {
  /**
   * A transition to make.
   *
   * @param to the next phase
   * @param reason why, for people
   */
  public record Decision(Phase to, String reason) {}

  private final int failedProbesToDegrade;
  private final Duration stablePeriod;
  private int consecutiveFailures;
  private @Nullable Instant okSince;
  private boolean operatorHold;

  /**
   * Creates the policy.
   *
   * @param config thresholds
   */
  public ModePolicy(SwitchoverConfig config) {
    this.failedProbesToDegrade = config.failedProbesToDegrade();
    this.stablePeriod = config.stablePeriod();
  }

  /**
   * A probe completed.
   *
   * @param phase the current phase
   * @param ok whether etcd had quorum
   * @param at when
   * @param detail what the probe said
   * @return the transition to make, if any
   */
  public Optional<Decision> onProbe(Phase phase, boolean ok, Instant at, String detail) {
    if (ok) {
      consecutiveFailures = 0;
      if (okSince == null) {
        okSince = at;
      }
      if (phase == Phase.DEGRADED && !operatorHold && !Duration.between(okSince, at).minus(stablePeriod).isNegative()) {
        return Optional.of(new Decision(Phase.RECONCILING,
            "etcd quorum stable for " + Duration.between(okSince, at).toMillis() + " ms"));
      }
      return Optional.empty();
    }
    okSince = null;
    consecutiveFailures++;
    if ((phase == Phase.STRONG || phase == Phase.RECONCILING) && consecutiveFailures >= failedProbesToDegrade) {
      return Optional.of(new Decision(Phase.DEGRADED, consecutiveFailures + " consecutive probes failed: " + detail));
    }
    return Optional.empty();
  }

  /**
   * The write path's circuit breaker opened.
   *
   * @param phase the current phase
   * @return the transition to make, if any
   */
  public Optional<Decision> onBreakerOpened(Phase phase) {
    return phase == Phase.STRONG
        ? Optional.of(new Decision(Phase.DEGRADED, "circuit breaker on etcd writes opened"))
        : Optional.empty();
  }

  /**
   * An operator forced the store degraded; it stays so until {@link #onReconcileRequested}.
   *
   * @param phase the current phase
   * @param reason the operator's reason
   * @return the transition to make, if any
   */
  public Optional<Decision> onForceDegrade(Phase phase, String reason) {
    operatorHold = true;
    return phase == Phase.STRONG || phase == Phase.RECONCILING
        ? Optional.of(new Decision(Phase.DEGRADED, "forced by operator: " + reason))
        : Optional.empty();
  }

  /**
   * An operator asked to reconcile now.
   *
   * @param phase the current phase
   * @return the transition to make, if any
   */
  public Optional<Decision> onReconcileRequested(Phase phase) {
    operatorHold = false;
    return phase == Phase.DEGRADED && okSince != null
        ? Optional.of(new Decision(Phase.RECONCILING, "reconcile requested by operator"))
        : Optional.empty();
  }

  /**
   * A reconcile pass completed.
   *
   * @param phase the current phase
   * @param backlogRemaining records still in the backlog after the pass
   * @return the transition to make, if any
   */
  public Optional<Decision> onReconciled(Phase phase, int backlogRemaining) {
    return phase == Phase.RECONCILING && backlogRemaining == 0
        ? Optional.of(new Decision(Phase.STRONG, "backlog reconciled"))
        : Optional.empty();
  }

  /** Returns since when probes have succeeded without a failure, or {@code null}. */
  public @Nullable Instant okSince() {
    return okSince;
  }

  /** Returns whether an operator holds the store degraded. */
  public boolean operatorHold() {
    return operatorHold;
  }
}
