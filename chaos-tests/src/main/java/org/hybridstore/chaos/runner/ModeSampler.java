package org.hybridstore.chaos.runner;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.hybridstore.chaos.client.NodeClient;
import org.jspecify.annotations.Nullable;

/** Polls every node's {@code /mode} at a fixed rate: the timeline of modes and backlogs. */
final class ModeSampler implements AutoCloseable {
  /**
   * One poll of one node.
   *
   * @param millis time since the run started, when the answer arrived
   * @param node the node
   * @param mode its mode, or {@code DOWN} if it did not answer
   * @param epoch its epoch
   * @param backlog its reconcile backlog
   * @param sentMillis when the poll was sent (the node's state is at least this recent)
   * @param mirrorLag how many etcd revisions its replica is behind
   * @param mirrorRevision the etcd revision its replica was brought up to
   * @param digest its replica digest ({@code count:xor}), empty if unknown
   * @param incarnation the answering process (its epoch grows only within one), 0 if unknown
   */
  record Sample(
      long millis,
      String node,
      String mode,
      long epoch,
      int backlog,
      long sentMillis,
      long mirrorLag,
      long mirrorRevision,
      String digest,
      long incarnation) {
    /** Whether the node is STRONG with nothing to reconcile and a current mirror. */
    boolean settled() {
      return mode.equals("STRONG") && backlog == 0 && mirrorLag == 0;
    }
  }

  private final List<NodeClient> nodes;
  private final LongSupplier clock;
  private final List<Sample> samples = new ArrayList<>();
  private final Sample[] latest;
  private @Nullable ScheduledFuture<?> task;

  ModeSampler(List<NodeClient> nodes, LongSupplier millisSinceStart) {
    this.nodes = nodes;
    this.clock = millisSinceStart;
    this.latest = new Sample[nodes.size()];
  }

  void start(ScheduledExecutorService scheduler) {
    task = scheduler.scheduleAtFixedRate(this::poll, 0, 100, TimeUnit.MILLISECONDS);
  }

  private void poll() {
    for (int i = 0; i < nodes.size(); i++) {
      int host = i;
      NodeClient c = nodes.get(i);
      long sent = clock.getAsLong();
      var unused =
          c.mode()
              .orTimeout(1, TimeUnit.SECONDS)
              .whenComplete(
                  (r, e) -> {
                    Sample s;
                    if (e == null && r.ok()) {
                      JsonNode b = r.body();
                      s =
                          new Sample(
                              clock.getAsLong(),
                              c.node(),
                              b.path("mode").asText(),
                              b.path("epoch").asLong(),
                              b.path("backlog").asInt(),
                              sent,
                              b.path("mirrorLag").asLong(),
                              b.path("mirrorRevision").asLong(),
                              b.path("digest").asText(""),
                              b.path("incarnation").asLong());
                    } else {
                      s =
                          new Sample(
                              clock.getAsLong(), c.node(), "DOWN", -1, -1, sent, -1, -1, "", 0);
                    }
                    record(host, s);
                  });
    }
  }

  private synchronized void record(int host, Sample s) {
    Sample prev = latest[host];
    latest[host] = s;
    // Keep the timeline compact: only changes, plus one sample per second per node.
    if (prev == null
        || !prev.mode().equals(s.mode())
        || prev.epoch() != s.epoch()
        || s.millis() - lastKept(s.node()) >= 1_000
        || (prev.backlog() == 0) != (s.backlog() == 0)) {
      samples.add(s);
    }
  }

  private long lastKept(String node) {
    for (int i = samples.size() - 1; i >= 0; i--) {
      if (samples.get(i).node().equals(node)) {
        return samples.get(i).millis();
      }
    }
    return Long.MIN_VALUE / 2;
  }

  /** Returns whether every node's latest sample is STRONG with an empty backlog. */
  synchronized boolean allStrong() {
    for (Sample s : latest) {
      if (s == null || !s.mode().equals("STRONG") || s.backlog() != 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * Returns every node's latest sample if each was sent after {@code afterMillis} and is settled
   * (STRONG, backlog 0, mirror lag 0); else null.
   */
  synchronized @Nullable List<Sample> settled(long afterMillis) {
    List<Sample> out = new ArrayList<>();
    for (Sample s : latest) {
      if (s == null || s.sentMillis() <= afterMillis || !s.settled()) {
        return null;
      }
      out.add(s);
    }
    return out;
  }

  /** Returns whether some node was not STRONG (or down) in a sample sent in {@code [from, to]}. */
  synchronized boolean anyNotStrong(long fromMillis, long toMillis) {
    for (Sample s : samples) {
      if (s.sentMillis() >= fromMillis
          && s.sentMillis() <= toMillis
          && !s.mode().equals("STRONG")) {
        return true;
      }
    }
    for (Sample s : latest) {
      if (s != null
          && s.sentMillis() >= fromMillis
          && s.sentMillis() <= toMillis
          && !s.mode().equals("STRONG")) {
        return true;
      }
    }
    return false;
  }

  /** Returns the client of node {@code i} (in host order, as the samples). */
  NodeClient node(int i) {
    return nodes.get(i);
  }

  /** Returns each node's latest sample, for messages. */
  synchronized List<Sample> latest() {
    List<Sample> out = new ArrayList<>();
    for (Sample s : latest) {
      if (s != null) {
        out.add(s);
      }
    }
    return out;
  }

  synchronized String summary() {
    StringBuilder b = new StringBuilder();
    for (Sample s : latest) {
      if (s != null) {
        b.append(s.node())
            .append('=')
            .append(s.mode().equals("DOWN") ? 'X' : s.mode().charAt(0))
            .append(s.backlog() > 0 ? "(" + s.backlog() + ")" : "")
            .append(' ');
      }
    }
    return b.toString().trim();
  }

  synchronized List<Sample> samples() {
    return List.copyOf(samples);
  }

  @Override
  public void close() {
    if (task != null) {
      task.cancel(false);
    }
  }
}
