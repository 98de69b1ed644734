package org.hybridstore.switchover.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.hybridstore.SwitchoverConfig;
import org.hybridstore.spi.MemberStatus;
import org.hybridstore.spi.QuorumStatus;
import org.jspecify.annotations.Nullable;

/**
 * Every decision of the switchover, as a pure state machine: signals in, at most one transition
 * out. It is the only place that decides; the health monitor, the write path's circuit breaker, the
 * reconciler and operators only report to it. No clocks, threads or I/O, so every rule is
 * unit-tested with made-up times. Not thread-safe: the controller calls it from its one thread.
 *
 * <p>Rules:
 *
 * <ul>
 *   <li><b>Start</b>: DEGRADED if the first probe found no quorum; STRONG otherwise (a backlog left
 *       from before is folded in).
 *   <li><b>STRONG → DEGRADED</b> only on real quorum loss as seen from this node, never for a
 *       leader election that etcd completes: (a) {@code failedProbesToDegrade} consecutive probes
 *       that found no quorum <em>and</em> no member reachable from here that follows a leader
 *       (every reachable member says "no leader", or none answers): etcd's own verdict that the
 *       quorum is gone; or in which a majority of the members did not answer at all (killed, frozen
 *       or cut off from here), which needs no election timeout to tell; or (b) probes failing
 *       without a break for {@code electionGrace} (longer than an election takes), whatever the
 *       members say; or (c) the write path's circuit breaker opens while the last two probes failed
 *       too (writes and probes both failing). A breaker that opens while probes succeed, or fail
 *       only now and then (slow or contended writes, a flaky member), changes nothing: the in-call
 *       fallback covers those writes. An operator may force it. <b>After a flap</b> (a return that
 *       ended a stay in DEGRADED shorter than {@link #SHORT_STAY}), only (b) degrades until the
 *       probes have not met (a) for {@link #FLAP_HOLD}: a node on a lossy link (failure bursts of a
 *       few hundred milliseconds between runs of success) stays STRONG and the in-call fallback
 *       covers the writes a burst delays, instead of going round at every burst; a real quorum loss
 *       then takes {@code electionGrace} to tell (decision 67).
 *   <li><b>DEGRADED → STRONG</b> by a fast, flap-proof rule: {@code stableProbes} successful probes
 *       in a row that all see the same leader (and no newer term), spanning at least {@code
 *       stablePeriod}. Any failed probe or a change of leader starts the count again, so a probe
 *       that fails one time in two never gets there. An operator hold prevents it; an operator's
 *       reconcile request skips the wait if the last probe succeeded.
 * </ul>
 *
 * <p>Folding the backlog into etcd is not a mode: it runs while STRONG (a node's own writes already
 * once the probes find quorum, decision 75), and a write or etcd read of an order still in the
 * backlog folds that order first (decision 66). So a round trip through DEGRADED is two
 * transitions.
 */
public final class ModePolicy {
  /**
   * A transition to make.
   *
   * @param to the next phase
   * @param reason why, for people
   */
  public record Decision(Phase to, String reason) {}

  /** A stay in DEGRADED shorter than this, ended by a return to STRONG, was a flap. */
  static final Duration SHORT_STAY = Duration.ofSeconds(3);

  /**
   * After a flap, how long the probes must go without meeting the fast degrade rule before it
   * applies again. Every burst that meets it during the hold extends the hold.
   */
  static final Duration FLAP_HOLD = Duration.ofSeconds(4);

  private final int failedProbesToDegrade;
  private final Duration electionGrace;
  private final int stableProbes;
  private final Duration stablePeriod;
  private int consecutiveNoLeader;
  private @Nullable Instant failingSince;
  private boolean lastProbeFailed;
  private int consecutiveFailures;
  private int okInARow;
  private @Nullable Instant okSince;
  private long stableLeader;
  private long stableTerm;
  private boolean operatorHold;
  private @Nullable Instant lastProbeAt;
  private @Nullable Instant degradedAt;
  private @Nullable Instant flapHoldUntil;

  /**
   * Creates the policy.
   *
   * @param config thresholds
   */
  public ModePolicy(SwitchoverConfig config) {
    this.failedProbesToDegrade = config.failedProbesToDegrade();
    this.electionGrace = config.electionGrace();
    this.stableProbes = config.stableProbes();
    this.stablePeriod = config.stablePeriod();
  }

  /**
   * Picks the phase a store starts in.
   *
   * @param quorum whether the first probe found quorum
   * @param detail what the probe said
   * @param backlog records in the local backlog
   * @return the phase and why
   */
  public Decision initial(boolean quorum, String detail, int backlog) {
    if (!quorum) {
      lastProbeFailed = true;
      consecutiveFailures = 1;
      return new Decision(Phase.DEGRADED, "etcd has no quorum at start: " + detail);
    }
    return new Decision(
        Phase.STRONG,
        backlog > 0
            ? "etcd has quorum at start; " + backlog + " backlog records to fold"
            : "etcd has quorum at start");
  }

  /**
   * A probe completed.
   *
   * @param phase the current phase
   * @param status what the probe found
   * @param at when
   * @return the transition to make, if any
   */
  public Optional<Decision> onProbe(Phase phase, QuorumStatus status, Instant at) {
    lastProbeAt = at;
    if (status.quorum()) {
      lastProbeFailed = false;
      consecutiveFailures = 0;
      consecutiveNoLeader = 0;
      failingSince = null;
      return onGoodProbe(phase, status, at);
    }
    lastProbeFailed = true;
    consecutiveFailures++;
    okInARow = 0;
    okSince = null;
    if (failingSince == null) {
      failingSince = at;
    }
    consecutiveNoLeader =
        noLeaderReachable(status) || majorityUnreachable(status) ? consecutiveNoLeader + 1 : 0;
    if (phase != Phase.STRONG) {
      return Optional.empty();
    }
    if (consecutiveNoLeader >= failedProbesToDegrade && flapHeld(at)) {
      flapHoldUntil = at.plus(FLAP_HOLD); // still flapping: only unbroken failure degrades
    } else if (consecutiveNoLeader >= failedProbesToDegrade) {
      return degrade(
          at,
          consecutiveNoLeader
              + " consecutive probes found no quorum and no reachable member with a leader"
              + " (or a majority unreachable): "
              + status.detail());
    }
    Duration failing = Duration.between(failingSince, at);
    if (failing.compareTo(electionGrace) >= 0) {
      return degrade(
          at,
          "probes failing for "
              + failing.toMillis()
              + " ms, longer than an election takes: "
              + status.detail());
    }
    return Optional.empty();
  }

  private Optional<Decision> degrade(@Nullable Instant at, String reason) {
    degradedAt = at;
    flapHoldUntil = null;
    return Optional.of(new Decision(Phase.DEGRADED, reason));
  }

  /** Whether a recent flap holds back the fast degrade rules at {@code at}. */
  private boolean flapHeld(@Nullable Instant at) {
    return flapHoldUntil != null && at != null && at.isBefore(flapHoldUntil);
  }

  private Optional<Decision> onGoodProbe(Phase phase, QuorumStatus status, Instant at) {
    long leader = agreedLeader(status);
    long term = highestTerm(status);
    if (okInARow == 0 || leader != stableLeader || term > stableTerm) {
      // A new leader (or a newer term) starts the stability count again.
      okInARow = 0;
      okSince = at;
      stableLeader = leader;
      stableTerm = term;
    }
    okInARow++;
    if (phase == Phase.DEGRADED
        && !operatorHold
        && okInARow >= stableProbes
        && Duration.between(okSince, at).compareTo(stablePeriod) >= 0) {
      Instant since = degradedAt;
      flapHoldUntil =
          since != null && Duration.between(since, at).compareTo(SHORT_STAY) < 0
              ? at.plus(FLAP_HOLD)
              : null;
      degradedAt = null;
      return Optional.of(
          new Decision(
              Phase.STRONG,
              "etcd quorum stable: "
                  + okInARow
                  + " probes on leader "
                  + Long.toHexString(stableLeader)
                  + " over "
                  + Duration.between(okSince, at).toMillis()
                  + " ms"
                  + (flapHoldUntil != null
                      ? " (a flap: only probes failing for "
                          + electionGrace.toMillis()
                          + " ms degrade again until "
                          + FLAP_HOLD.toSeconds()
                          + " s pass without a burst)"
                      : "")));
    }
    return Optional.empty();
  }

  /**
   * The write path's circuit breaker opened (too many failed or slow etcd writes).
   *
   * @param phase the current phase
   * @return the transition to make, if any
   */
  public Optional<Decision> onBreakerOpened(Phase phase) {
    if (phase == Phase.STRONG && consecutiveFailures >= 2 && !flapHeld(lastProbeAt)) {
      return degrade(
          lastProbeAt,
          "etcd writes failing (circuit breaker open) and the last "
              + consecutiveFailures
              + " probes failed");
    }
    return Optional.empty();
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
    degradedAt = null; // an operator's hold is no flap
    return phase == Phase.STRONG
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
    return phase == Phase.DEGRADED && !lastProbeFailed && okInARow > 0
        ? Optional.of(new Decision(Phase.STRONG, "reconcile requested by operator"))
        : Optional.empty();
  }

  /** Returns since when probes have succeeded on one leader, or {@code null}. */
  public @Nullable Instant okSince() {
    return okSince;
  }

  /** Returns whether an operator holds the store degraded. */
  public boolean operatorHold() {
    return operatorHold;
  }

  /**
   * Whether etcd itself says the quorum is gone as seen from here: no member answered, or every
   * member that answered follows no leader. During a leader election the members keep naming the
   * old leader until they start their own campaign, and pre-vote keeps that short.
   */
  static boolean noLeaderReachable(QuorumStatus status) {
    if (status.members().isEmpty()) {
      return false; // nothing known about the members: only the grace rule applies
    }
    for (MemberStatus m : status.members()) {
      if (m.reachable()
          && m.leaderId() != 0
          && m.errors().stream().noneMatch(e -> e.contains("no leader"))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether a majority of the configured members did not answer at all from here (connection
   * refused, or nothing within the probe's deadline): then no quorum can be reached from this node,
   * whatever the members it still reaches say, and it need not wait for their election timeout to
   * make them say "no leader". A leader alone going away (an election) leaves a majority reachable.
   */
  static boolean majorityUnreachable(QuorumStatus status) {
    if (status.members().isEmpty()) {
      return false;
    }
    long unreachable =
        status.members().stream().filter(m -> m.state() == MemberStatus.State.UNREACHABLE).count();
    return unreachable > status.members().size() / 2;
  }

  /** The leader most reachable members name (0 if none). */
  static long agreedLeader(QuorumStatus status) {
    Map<Long, Integer> votes = new HashMap<>();
    long best = 0;
    int bestVotes = 0;
    for (MemberStatus m : status.members()) {
      if (m.reachable() && m.leaderId() != 0) {
        int v = votes.merge(m.leaderId(), 1, Integer::sum);
        if (v > bestVotes) {
          best = m.leaderId();
          bestVotes = v;
        }
      }
    }
    return best;
  }

  private static long highestTerm(QuorumStatus status) {
    long term = 0;
    for (MemberStatus m : status.members()) {
      if (m.reachable()) {
        term = Math.max(term, m.raftTerm());
      }
    }
    return term;
  }
}
