package org.hybridstore.cp.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backend's view of the configured members: one {@link MemberConnection} and one {@link
 * MemberHealth} each, the leader a majority of their statuses name, and the order in which a call
 * tries them.
 *
 * <p><b>Order.</b> Members that serve come first; for writes and linearizable reads the leader
 * first (it commits without forwarding the proposal, and answers a read index without asking
 * anyone), otherwise rotating so the load spreads. Members that do not serve come last, the one
 * that served most recently first: when nothing serves (an election, or quorum lost) calls still go
 * somewhere and fail or succeed on their merits, so the view never refuses a call by itself.
 *
 * <p><b>Changes.</b> {@link #evaluate} compares who serves now with the last evaluation, logs each
 * change once and tells the listeners (the change feed moves off a member that stopped serving). It
 * runs on the checker's timer; calls do not wait for it. Thread-safe.
 */
final class MemberView {
  private static final Logger LOG = LoggerFactory.getLogger(MemberView.class);

  /**
   * Evaluations in a row a member's new state must hold before it is reported: a loaded member that
   * misses the stall limit now and then is still routed around at once, but not logged.
   */
  static final int REPORT_AFTER = 3;

  /**
   * For reports (log, listeners), a member stalls only after this many stall limits: a loaded but
   * healthy cluster leaves a request unanswered for a few hundred milliseconds now and then, and
   * that is worth a different route but not a warning.
   */
  static final int REPORT_STALL_FACTOR = 5;

  /** Told when a member starts or stops serving. */
  interface Listener {
    void servingChanged(MemberConnection member, boolean serving);
  }

  private final List<MemberConnection> connections;
  private final List<MemberHealth> health;
  private final long stallNanos;
  private final FailureLog failures;
  private final AtomicInteger rotation = new AtomicInteger();
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private final ReentrantLock evaluation = new ReentrantLock();
  private volatile int leaderIndex = -1;
  // guarded by evaluation: the state last reported per member (null: not yet), and for how many
  // evaluations in a row the observed state has disagreed with it
  private final @Nullable Boolean[] lastServing;
  private final int[] disagreements;

  MemberView(List<MemberConnection> connections, long stallNanos, FailureLog failures) {
    this.connections = List.copyOf(connections);
    List<MemberHealth> h = new ArrayList<>();
    for (int i = 0; i < connections.size(); i++) {
      h.add(new MemberHealth());
    }
    this.health = List.copyOf(h);
    this.stallNanos = stallNanos;
    this.failures = failures;
    this.lastServing = new Boolean[connections.size()];
    this.disagreements = new int[connections.size()];
  }

  List<MemberConnection> connections() {
    return connections;
  }

  MemberHealth health(MemberConnection m) {
    return health.get(m.index);
  }

  int size() {
    return connections.size();
  }

  long stallNanos() {
    return stallNanos;
  }

  boolean serving(MemberConnection m, long now) {
    return health.get(m.index).serving(now, stallNanos);
  }

  void addListener(Listener l) {
    listeners.add(l);
  }

  void removeListener(Listener l) {
    listeners.remove(l);
  }

  /**
   * Returns the member a call should try next, among those whose bit is not set in {@code tried}.
   *
   * @param preferLeader whether the leader goes first (writes, linearizable reads)
   * @param tried bit {@code i} set if member {@code i} was tried already
   * @param now the current {@code System.nanoTime()}
   * @return the member, or null if every member was tried
   */
  @Nullable MemberConnection next(boolean preferLeader, long tried, long now) {
    int n = connections.size();
    int leader = leaderIndex;
    if (preferLeader
        && leader >= 0
        && (tried & (1L << leader)) == 0
        && health.get(leader).serving(now, stallNanos)) {
      return connections.get(leader);
    }
    int start = Math.floorMod(rotation.getAndIncrement(), n);
    for (int k = 0; k < n; k++) {
      int i = (start + k) % n;
      if ((tried & (1L << i)) == 0 && health.get(i).serving(now, stallNanos)) {
        return connections.get(i);
      }
    }
    int best = -1;
    for (int i = 0; i < n; i++) {
      if ((tried & (1L << i)) != 0) {
        continue;
      }
      if (best < 0 || better(health.get(i), health.get(best))) {
        best = i;
      }
    }
    return best < 0 ? null : connections.get(best);
  }

  private static boolean better(MemberHealth a, MemberHealth b) {
    if (a.lastSuccess() != b.lastSuccess()) {
      return a.lastSuccess() > b.lastSuccess();
    }
    return a.lastAnswer() > b.lastAnswer();
  }

  /** Records a status answer and recomputes the leader a majority of the members name. */
  void status(MemberConnection m, long now, long memberId, long leaderId, long raftTerm) {
    health.get(m.index).status(now, memberId, leaderId, raftTerm);
    Map<Long, Integer> votes = new HashMap<>();
    for (MemberHealth h : health) {
      if (h.leaderId() != 0 && h.statusAt() != 0) {
        votes.merge(h.leaderId(), 1, Integer::sum);
      }
    }
    long leader = 0;
    for (Map.Entry<Long, Integer> e : votes.entrySet()) {
      if (e.getValue() >= connections.size() / 2 + 1) {
        leader = e.getKey();
      }
    }
    int index = -1;
    for (int i = 0; i < connections.size(); i++) {
      if (leader != 0 && health.get(i).memberId() == leader) {
        index = i;
      }
    }
    leaderIndex = index;
  }

  /** Returns the index of the member a majority names leader, or -1. */
  int leaderIndex() {
    return leaderIndex;
  }

  /** Returns whether any member serves. */
  boolean anyServing(long now) {
    for (MemberHealth h : health) {
      if (h.serving(now, stallNanos)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Compares who serves now with what was last reported; reports a member's change (log line,
   * listeners) once it held for {@link #REPORT_AFTER} evaluations in a row, so that a loaded member
   * that misses the stall limit now and then does not flap in the log. A member's first report
   * comes once the backend knows something about it. When every member is reported not serving, one
   * WARN line says so; the individual failures go to the {@link FailureLog} summary.
   *
   * @param now the current {@code System.nanoTime()}
   */
  void evaluate(long now) {
    List<MemberConnection> changed = new ArrayList<>();
    List<String> changes = new ArrayList<>();
    boolean anyServing = false;
    boolean allReported = true;
    evaluation.lock();
    try {
      for (int i = 0; i < connections.size(); i++) {
        MemberHealth h = health.get(i);
        long stall = REPORT_STALL_FACTOR * stallNanos;
        boolean s = h.serving(now, stall);
        Boolean reported = lastServing[i];
        boolean differs = h.known(now, stall) && (reported == null || s != reported);
        if (differs && ++disagreements[i] >= REPORT_AFTER) {
          lastServing[i] = s;
          disagreements[i] = 0;
          changed.add(connections.get(i));
          changes.add(
              s
                  ? connections.get(i).endpoint + " serves"
                  : connections.get(i).endpoint
                      + " does not serve ("
                      + h.problem(now, stall)
                      + ")");
        } else if (!differs) {
          disagreements[i] = 0;
        }
        allReported &= lastServing[i] != null;
        anyServing |= Boolean.TRUE.equals(lastServing[i]);
      }
    } finally {
      evaluation.unlock();
    }
    if (anyServing) {
      String message = "etcd: " + String.join("; ", changes) + "; serving: " + reported();
      if (!failures.change(false, message) && !changes.isEmpty()) {
        LOG.info(message);
      }
    } else if (allReported) {
      failures.change(
          true,
          "etcd: no member serves linearizable requests from here ("
              + describe(now)
              + "); calls fail until one does");
    }
    for (MemberConnection m : changed) {
      boolean s = Boolean.TRUE.equals(lastServing(m));
      for (Listener l : listeners) {
        try {
          l.servingChanged(m, s);
        } catch (RuntimeException e) {
          LOG.warn("member listener failed", e);
        }
      }
    }
  }

  private @Nullable Boolean lastServing(MemberConnection m) {
    evaluation.lock();
    try {
      return lastServing[m.index];
    } finally {
      evaluation.unlock();
    }
  }

  /** The members last reported as serving. */
  private List<String> reported() {
    List<String> out = new ArrayList<>();
    evaluation.lock();
    try {
      for (MemberConnection m : connections) {
        if (Boolean.TRUE.equals(lastServing[m.index])) {
          out.add(m.endpoint);
        }
      }
    } finally {
      evaluation.unlock();
    }
    return out;
  }

  /** Returns when any member last served a request ({@code System.nanoTime()}, 0 if never). */
  long lastSuccessAnywhere() {
    long last = 0;
    for (MemberHealth h : health) {
      last = Math.max(last, h.lastSuccess());
    }
    return last;
  }

  /** Returns each member's state in a few words, for logs. */
  String describe(long now) {
    StringBuilder sb = new StringBuilder();
    for (MemberConnection m : connections) {
      MemberHealth h = health.get(m.index);
      sb.append(sb.length() == 0 ? "" : ", ")
          .append(m.endpoint)
          .append(": ")
          .append(h.serving(now, stallNanos) ? "serving" : h.problem(now, stallNanos));
    }
    return sb.toString();
  }
}
