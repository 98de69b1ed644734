package org.hybridstore.switchover.internal;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.hybridstore.ConsistencyMode;
import org.hybridstore.NodeId;
import org.hybridstore.event.ModeChangedEvent;
import org.hybridstore.spi.LocalBackend;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one owner of a store's mode.
 *
 * <p>States: STRONG, DEGRADED, CLOSED ({@link Phase}); the published {@link StoreMode} adds an
 * epoch, the start time and the reason of the last transition.
 *
 * <p>Transitions: {@link ModePolicy} decides from every signal (the first probe at start, probe
 * samples from the {@link HealthMonitor}, the write path's {@link WriteBreaker} opening, reconcile
 * reports from the {@link Reconciler}, operator requests); this class validates each decision
 * against {@link Phase}'s table, swaps the snapshot with a new epoch, logs and counts it, then
 * tells the local backend (so peers see it), the listeners and JMX. Entering STRONG closes the
 * breaker again.
 *
 * <p>Concurrency: every signal is queued onto one single-threaded executor and handled there, so
 * transitions need no locks ({@link #checkThread()} asserts it). Readers see the volatile snapshot.
 * Listeners are called after the snapshot is published; their exceptions are logged.
 *
 * <p>Reconcile: while STRONG with a non-empty backlog (this node's provisional writes, peers' that
 * reached it, or leftovers), passes run back to back while they fold records, and again at every
 * probe sample while records wait for their owners. While DEGRADED with probes finding quorum again
 * and no peer STRONG, passes fold this node's own writes only ({@link #mayFoldBeforeStrong}). It is
 * work, not a mode (decision 66): the router folds an order still in the backlog before it writes
 * or reads it through etcd. A reconcile starts with each return to STRONG and ends when the backlog
 * is first seen empty; its duration and the time from quorum's return to then are what the MXBean
 * reports.
 *
 * <p>Crash during reconcile: the backlog is durable and a pass is idempotent, so a restarted node
 * finds the rest of its backlog and folds it once STRONG (it starts DEGRADED if etcd is still
 * down).
 */
public final class SwitchoverController implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SwitchoverController.class);

  private final String store;
  private final NodeId node;
  private final ModePolicy policy;
  private final Reconciler reconciler;
  private final LocalBackend local;
  private final InstantSource time;
  private final Runnable closeBreaker;
  private final ExecutorService thread;
  private final List<Consumer<ModeChangedEvent>> listeners = new CopyOnWriteArrayList<>();
  private final AtomicLong transitions = new AtomicLong();
  private volatile StoreMode mode;
  private volatile @Nullable Thread owner;
  private volatile @Nullable ReconcileReport lastReport;
  private volatile long lastReconcileMillis = -1;
  private volatile long lastConvergenceMillis = -1;
  private @Nullable Instant reconcilingSince;
  private @Nullable Instant quorumBackAt;
  private boolean passInFlight;
  // What the passes of the current reconcile did, for the log line that ends it: an operator (and
  // the chaos suite's reader) sees whether a slow return waited for owners.
  private int phasePasses;
  private int phaseRecords;
  private int phaseTakenOver;
  private int phaseMostDeferred;
  // Records this node folded while DEGRADED since it last left STRONG (mayFoldBeforeStrong).
  private int foldedBeforeStrong;

  SwitchoverController(
      String store,
      NodeId node,
      ModePolicy policy,
      Reconciler reconciler,
      LocalBackend local,
      InstantSource time,
      Runnable closeBreaker,
      HealthSample first) {
    this.store = store;
    this.node = node;
    this.policy = policy;
    this.reconciler = reconciler;
    this.local = local;
    this.time = time;
    this.closeBreaker = closeBreaker;
    ModePolicy.Decision start =
        policy.initial(first.ok(), first.status().detail(), local.backlogSize());
    Phase initial = start.to();
    String initialReason = start.reason();
    this.mode = new StoreMode(initial, 1, time.instant(), initialReason);
    this.thread =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "hybridstore-" + store + "-switchover");
              t.setDaemon(true);
              owner = t;
              return t;
            });
    LOG.info("{}: starting in {} ({})", store, initial, initialReason);
    local.publishMode(initial.mode(), 1);
    submit(
        () -> {
          if (initial == Phase.STRONG && local.backlogSize() > 0) {
            startReconcile(this.time.instant(), this.time.instant());
          }
          maybeReconcile();
        });
  }

  /** Returns the current snapshot. */
  public StoreMode mode() {
    return mode;
  }

  void addListener(Consumer<ModeChangedEvent> listener) {
    listeners.add(listener);
  }

  void onSample(HealthSample sample) {
    submit(
        () -> {
          decide(policy.onProbe(mode.phase(), sample.status(), sample.at()));
          maybeReconcile();
        });
  }

  void onBreakerOpened() {
    submit(() -> decide(policy.onBreakerOpened(mode.phase())));
  }

  void forceDegrade(String reason) {
    submit(() -> decide(policy.onForceDegrade(mode.phase(), reason)));
  }

  void requestReconcile() {
    submit(
        () -> {
          decide(policy.onReconcileRequested(mode.phase()));
          maybeReconcile();
        });
  }

  long transitions() {
    return transitions.get();
  }

  long lastReconcileMillis() {
    return lastReconcileMillis;
  }

  long lastConvergenceMillis() {
    return lastConvergenceMillis;
  }

  @Nullable ReconcileReport lastReport() {
    return lastReport;
  }

  private void submit(Runnable task) {
    try {
      thread.execute(
          () -> {
            try {
              task.run();
            } catch (RuntimeException e) {
              LOG.error("{}: switchover task failed", store, e);
            }
          });
    } catch (RejectedExecutionException closed) {
      LOG.debug("{}: signal after close ignored", store);
    }
  }

  private void checkThread() {
    if (Thread.currentThread() != owner) {
      throw new IllegalStateException(
          "mode changes run on the switchover thread only, not " + Thread.currentThread());
    }
  }

  private void decide(Optional<ModePolicy.Decision> decision) {
    decision.ifPresent(d -> transition(d.to(), d.reason()));
  }

  private void transition(Phase to, String reason) {
    checkThread();
    StoreMode from = mode;
    if (!from.phase().canTransitionTo(to)) {
      throw new IllegalStateException(store + ": illegal transition " + from.phase() + " -> " + to);
    }
    Instant now = time.instant();
    StoreMode next = new StoreMode(to, from.epoch() + 1, now, reason);
    mode = next;
    transitions.incrementAndGet();
    LOG.info("{}: {} -> {} (epoch {}): {}", store, from.phase(), to, next.epoch(), reason);
    switch (to) {
      case STRONG -> {
        closeBreaker.run();
        Instant okSince = policy.okSince();
        startReconcile(now, okSince != null ? okSince : now);
      }
      case DEGRADED, CLOSED -> {
        reconcilingSince = null; // an unfinished reconcile is not timed
        foldedBeforeStrong = 0;
      }
    }
    if (to != Phase.CLOSED) {
      local.publishMode(to.mode(), next.epoch());
    }
    ModeChangedEvent event =
        new ModeChangedEvent(
            store, node, from.phase().mode(), to.mode(), next.epoch(), now, reason);
    for (Consumer<ModeChangedEvent> l : listeners) {
      try {
        l.accept(event);
      } catch (RuntimeException e) {
        LOG.warn("{}: mode listener failed", store, e);
      }
    }
  }

  private void startReconcile(Instant now, Instant quorumBack) {
    reconcilingSince = now;
    quorumBackAt = quorumBack;
    phasePasses = 0;
    phaseRecords = 0;
    phaseTakenOver = 0;
    phaseMostDeferred = 0;
  }

  /** Ends the current reconcile, if one runs and the backlog is empty now. */
  private void maybeReconciled() {
    Instant since = reconcilingSince;
    if (since == null || mode.phase() != Phase.STRONG || local.backlogSize() > 0) {
      return;
    }
    Instant now = time.instant();
    reconcilingSince = null;
    lastReconcileMillis = Duration.between(since, now).toMillis();
    if (quorumBackAt != null) {
      lastConvergenceMillis = Duration.between(quorumBackAt, now).toMillis();
    }
    LOG.info(
        "{}: backlog reconciled {} ms after the return to STRONG{}",
        store,
        lastReconcileMillis,
        reconcileSummary());
  }

  private void maybeReconcile() {
    checkThread();
    if (passInFlight) {
      return;
    }
    maybeReconciled();
    boolean strong = mode.phase() == Phase.STRONG;
    if ((!strong && !mayFoldBeforeStrong()) || local.backlogSize() == 0) {
      return;
    }
    passInFlight = true;
    (strong ? reconciler.pass() : reconciler.passBeforeStrong())
        .whenComplete(
            (report, error) ->
                submit(
                    () -> {
                      passInFlight = false;
                      if (error != null) {
                        LOG.info(
                            "{}: reconcile pass failed, the next probe retries: {}",
                            store,
                            error.toString());
                        return;
                      }
                      lastReport = report;
                      if (!strong) {
                        foldedBeforeStrong += report.records();
                      } else if (reconcilingSince != null) {
                        phasePasses++;
                        phaseRecords += report.records();
                        phaseTakenOver += report.takenOver();
                        phaseMostDeferred = Math.max(phaseMostDeferred, report.deferred());
                      }
                      // Again at once while passes fold records, or when the node returned to
                      // STRONG during a pass before it (the next pass may fold more).
                      if (report.records() > 0 || (!strong && mode.phase() == Phase.STRONG)) {
                        maybeReconcile();
                      } else {
                        maybeReconciled();
                      }
                    }));
  }

  /**
   * Whether a DEGRADED node folds its own writes now, before the stable period ends: its probes
   * find quorum again, no operator holds it degraded, and no peer is STRONG (so none of them owns
   * this node's records). After an etcd outage every node waits out the same stable period, idle,
   * while etcd already takes writes; folding is idempotent and never changes the mode, so starting
   * it there moves the end of the reconcile earlier by up to that period (decision 75). With a peer
   * STRONG, that peer may own these records, so this node waits for its own return as before.
   */
  private boolean mayFoldBeforeStrong() {
    return mode.phase() == Phase.DEGRADED
        && policy.okSince() != null
        && !policy.operatorHold()
        && local.peers().values().stream().noneMatch(p -> p.mode() == ConsistencyMode.STRONG);
  }

  private String reconcileSummary() {
    return String.format(
        " (%d records folded in %d passes; at most %d left to their owners in a pass, %d taken"
            + " over from their owners; %d folded before the return)",
        phaseRecords, phasePasses, phaseMostDeferred, phaseTakenOver, foldedBeforeStrong);
  }

  /** Moves to CLOSED and stops the switchover thread. */
  @Override
  public void close() {
    submit(
        () -> {
          if (mode.phase() != Phase.CLOSED) {
            transition(Phase.CLOSED, "store closed");
          }
        });
    thread.shutdown();
    try {
      if (!thread.awaitTermination(5, TimeUnit.SECONDS)) {
        thread.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      thread.shutdownNow();
    }
  }
}
