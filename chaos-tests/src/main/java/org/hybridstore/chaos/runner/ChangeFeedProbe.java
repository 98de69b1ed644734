package org.hybridstore.chaos.runner;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.hybridstore.chaos.checker.CheckResult;
import org.hybridstore.chaos.checker.Validity;
import org.hybridstore.chaos.client.NodeClient;
import org.jspecify.annotations.Nullable;

/**
 * Follows every node's order change feed ({@code GET /changes}, server-sent events) for the whole
 * run, from the etcd revision the run starts at, the way a careful consumer does: it resumes after
 * each stream ends (or its node dies) with the last event id it processed.
 *
 * <p>The feed's contract, checked per node: committed changes come in revision order within a
 * stream; no version of an order is delivered twice, except again after a resume from id X, at
 * revisions up to X + 1 (the contract allows that: a transaction's changes but its last carry the
 * id of the revision before it), and a re-read's versions again after a resume from the id they
 * came with (every change of a re-read carries the revision the re-read started from); nothing is
 * skipped and nothing invented (after the run, etcd's own history of every order is read back
 * version by version through the JSON gateway, and each feed must have delivered exactly those
 * versions, with their op keys); and once the cluster has healed each feed reaches etcd's last
 * version of every order. Every committed change is also handed to a listener (the {@link
 * ConfirmationProbe}).
 *
 * <p>One thread per node reads its stream; a watchdog ends a stream that stays silent past twice
 * the feed's keep-alive (a paused node keeps the connection open), and the reader resumes.
 */
final class ChangeFeedProbe implements AutoCloseable {
  /** Told of every committed (or re-read) change a node's feed delivered. */
  interface Listener {
    /**
     * Receives one change.
     *
     * @param node the node whose feed delivered it
     * @param orderId the order
     * @param revision the version's mod revision
     * @param opKeys the op keys the version holds
     */
    void committed(String node, String orderId, long revision, long[] opKeys);
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long SILENT_MILLIS = 35_000;
  private static final long RECONNECT_MILLIS = 200;
  private static final int LIST_LIMIT = 10;

  private final List<NodeClient> nodes;
  private final long fromRevision;
  private final LongSupplier millis;
  private final Listener listener;
  private final List<Follower> followers = new ArrayList<>();
  private volatile boolean closed;

  ChangeFeedProbe(
      List<NodeClient> nodes, long fromRevision, LongSupplier millis, Listener listener) {
    this.nodes = nodes;
    this.fromRevision = fromRevision;
    this.millis = millis;
    this.listener = listener;
  }

  /** The revision every feed starts after. */
  long fromRevision() {
    return fromRevision;
  }

  /** Starts one follower per node. */
  void start() {
    for (NodeClient n : nodes) {
      Follower f = new Follower(n);
      followers.add(f);
      Thread t = new Thread(f::run, "chaos-feed-" + n.node());
      t.setDaemon(true);
      t.start();
    }
  }

  /** Ends every stream that stayed silent too long (called periodically). */
  void watchdog() {
    long now = millis.getAsLong();
    for (Follower f : followers) {
      f.endIfSilent(now);
    }
  }

  /**
   * Waits until every node's feed delivered etcd's last version of every order changed after the
   * start, or the bound passes.
   *
   * @param lastInEtcd order id to its mod revision in etcd's final read
   * @param boundMillis the bound
   * @return whether every feed caught up
   */
  boolean awaitCaughtUp(Map<String, Long> lastInEtcd, long boundMillis)
      throws InterruptedException {
    long deadline = millis.getAsLong() + boundMillis;
    while (millis.getAsLong() < deadline) {
      if (followers.stream().allMatch(f -> f.behind(lastInEtcd).isEmpty())) {
        return true;
      }
      Thread.sleep(100);
    }
    return false;
  }

  @Override
  public void close() {
    closed = true;
    followers.forEach(Follower::end);
  }

  /**
   * The check, against etcd's own history of every order changed after the start.
   *
   * @param lastInEtcd order id to its mod revision in etcd's final read
   * @param history etcd's history after {@link #fromRevision()}
   * @param compactedAt the revisions etcd was compacted at during the run
   * @return INVALID on any breach; UNKNOWN if no feed delivered a committed change or etcd's
   *     history could not be read; else VALID
   */
  CheckResult result(Map<String, Long> lastInEtcd, EtcdHistory history, List<Long> compactedAt) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("from-revision", fromRevision);
    d.put("compacted-at", compactedAt);
    long lastCompaction = compactedAt.stream().mapToLong(Long::longValue).max().orElse(0);
    List<String> breaches = new ArrayList<>();
    Map<String, long[]> inEtcd = history.all();
    d.put("versions-in-etcd", inEtcd.size());
    d.put("orders-whose-history-etcd-did-not-answer", history.unreadable().size());
    long events = 0;
    Map<String, Object> perNode = new LinkedHashMap<>();
    for (Follower f : followers) {
      synchronized (f) {
        Map<String, Object> n = new LinkedHashMap<>();
        n.put("changes", f.changes);
        n.put("streams", f.streams);
        n.put("resyncs", f.resyncs);
        n.put("redelivered-after-resume", f.redelivered);
        events += f.changes;
        perNode.put(f.node.node(), n);
        f.breaches.forEach(b -> breaches.add(f.node.node() + ": " + b));
        // never skips: every version etcd committed after the start was delivered, except one that
        // etcd compacted away before this feed read it (the feed then re-read, and delivered a
        // later
        // version of that order)
        int skipped = 0;
        int compactedAway = 0;
        for (String v : inEtcd.keySet()) {
          if (f.seen.containsKey(v)) {
            continue;
          }
          String order = v.substring(0, v.lastIndexOf('@'));
          long revision = Long.parseLong(v.substring(v.lastIndexOf('@') + 1));
          if (f.resyncs > 0
              && revision <= lastCompaction
              && f.last.getOrDefault(order, 0L) > revision) {
            compactedAway++;
          } else if (skipped++ < LIST_LIMIT) {
            breaches.add(f.node.node() + ": skipped " + v + ", which etcd committed");
          }
        }
        n.put("skipped", skipped);
        n.put("compacted-away-before-it-read-them", compactedAway);
        // never invents: every delivered version is etcd's, with its op keys
        int invented = 0;
        for (Map.Entry<String, long[]> e : f.seen.entrySet()) {
          String order = e.getKey().substring(0, e.getKey().lastIndexOf('@'));
          if (history.unreadable().contains(order)) {
            continue;
          }
          long[] keys = inEtcd.get(e.getKey());
          if ((keys == null || !java.util.Arrays.equals(keys, e.getValue()))
              && invented++ < LIST_LIMIT) {
            breaches.add(
                f.node.node()
                    + ": delivered "
                    + e.getKey()
                    + (keys == null
                        ? ", which etcd never committed"
                        : " with other op keys than etcd's"));
          }
        }
        n.put("not-as-in-etcd", invented);
        // caught up with etcd's final state
        List<String> behind = f.behind(lastInEtcd);
        n.put("behind-etcd-at-end", behind.size());
        behind.stream()
            .limit(LIST_LIMIT)
            .forEach(b -> breaches.add(f.node.node() + ": at the end " + b));
      }
    }
    d.put("nodes", perNode);
    d.put("breaches", breaches);
    Validity v =
        !breaches.isEmpty()
            ? Validity.INVALID
            : events == 0 || !history.unreadable().isEmpty() ? Validity.UNKNOWN : Validity.VALID;
    if (v == Validity.UNKNOWN) {
      d.put(
          "why-unknown",
          events == 0
              ? "no feed delivered a committed change"
              : "etcd's history of "
                  + history.unreadable().size()
                  + " orders was not read (etcd did not answer, or the reads took longer than "
                  + EtcdHistory.READ_BOUND
                  + ")");
    }
    return CheckResult.of(v, d);
  }

  /**
   * Whether a version delivered before may come again in a stream resumed from id {@code
   * resumedFrom}: a transaction's changes but its last carry resume id revision - 1, so a resume
   * from id X may deliver the versions of revision X + 1 again; and every change of a re-read
   * carries the revision the re-read started from, so a resume from that id (a stream that ended
   * before the re-read did) replays the re-read.
   *
   * @param kind the event kind of the repeated delivery
   * @param revision the version's mod revision
   * @param earlierResyncId the id the version came with when a re-read delivered it before, or null
   *     if no re-read did
   * @param resumedFrom the id the current stream resumed from
   */
  static boolean mayComeAgain(
      String kind, long revision, @Nullable Long earlierResyncId, long resumedFrom) {
    boolean replayedResync =
        kind.equals("resync") && earlierResyncId != null && earlierResyncId == resumedFrom;
    return revision <= resumedFrom + 1 || replayedResync;
  }

  /** One node's stream, resumed for the whole run. */
  private final class Follower {
    final NodeClient node;
    long lastId;
    long changes;
    long streams;
    long resyncs;
    long redelivered;
    final List<String> breaches = new ArrayList<>();

    /** "order@revision" delivered, to its sorted op keys */
    final Map<String, long[]> seen = new HashMap<>();

    /** Versions delivered by a re-read, with the event id they came with. */
    private final Map<String, Long> resyncedWithId = new HashMap<>();

    final Map<String, Long> last = new HashMap<>();
    // the current stream
    private @Nullable Stream<String> lines;
    private long resumedFrom;
    private long lastCommitted;
    private long lastLineMillis;
    private String eventId = "";
    private String eventKind = "";
    private final StringBuilder data = new StringBuilder();

    Follower(NodeClient node) {
      this.node = node;
      this.lastId = fromRevision;
    }

    void run() {
      while (!closed) {
        long resume;
        synchronized (this) {
          resume = lastId;
        }
        try {
          HttpResponse<Stream<String>> r = node.changes(resume);
          if (r.statusCode() != 200) {
            r.body().close();
          } else {
            try (Stream<String> s = r.body()) {
              synchronized (this) {
                lines = s;
                streams++;
                resumedFrom = resume;
                lastCommitted = 0;
                lastLineMillis = millis.getAsLong();
              }
              s.forEach(this::line);
            }
          }
        } catch (IOException | RuntimeException e) {
          // the node is down, cut off or ended the stream abruptly: resume
        } catch (InterruptedException e) {
          return;
        } finally {
          synchronized (this) {
            lines = null;
            eventId = "";
            eventKind = "";
            data.setLength(0);
          }
        }
        try {
          Thread.sleep(RECONNECT_MILLIS);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    synchronized void endIfSilent(long now) {
      if (lines != null && now - lastLineMillis > SILENT_MILLIS) {
        lines.close();
      }
    }

    synchronized void end() {
      if (lines != null) {
        lines.close();
      }
    }

    private void line(String line) {
      if (closed) {
        throw new IllegalStateException("probe closed");
      }
      Change c = null;
      synchronized (this) {
        lastLineMillis = millis.getAsLong();
        if (line.isEmpty()) {
          if (data.length() > 0 && !eventKind.equals("error")) {
            c = accept(eventId, eventKind, data.toString());
          }
          eventId = "";
          eventKind = "";
          data.setLength(0);
        } else if (line.startsWith("id:")) {
          eventId = line.substring(3).trim();
        } else if (line.startsWith("event:")) {
          eventKind = line.substring(6).trim();
        } else if (line.startsWith("data:")) {
          data.append(line.substring(5).trim());
        }
      }
      if (c != null) {
        listener.committed(node.node(), c.order, c.revision, c.opKeys);
      }
    }

    @SuppressWarnings("ArrayRecordComponent") // never compared or hashed
    private record Change(String order, long revision, long[] opKeys) {}

    /** Records one event (under the lock); returns the change to tell the listener, if any. */
    private @Nullable Change accept(String id, String kind, String json) {
      JsonNode n;
      try {
        n = JSON.readTree(json);
      } catch (IOException e) {
        breaches.add("an event that is not JSON: " + json);
        return null;
      }
      if (kind.equals("provisional")) {
        return null; // not asked for; a feed that sends them anyway is not breaking this contract
      }
      String order = n.path("orderId").asText();
      long revision = n.path("revision").asLong();
      JsonNode keys = n.path("opKeys");
      long[] opKeys = new long[keys.size()];
      for (int i = 0; i < opKeys.length; i++) {
        opKeys[i] = Long.parseUnsignedLong(keys.get(i).asText(), 16);
      }
      changes++;
      String v = order + "@" + revision;
      if (kind.equals("resync")) {
        resyncs++;
      } else {
        if (revision < lastCommitted && breaches.size() < LIST_LIMIT) {
          breaches.add("committed " + v + " after revision " + lastCommitted + " in one stream");
        }
        lastCommitted = Math.max(lastCommitted, revision);
      }
      long eventId = parseId(id);
      Long earlierResyncId =
          kind.equals("resync") ? resyncedWithId.put(v, eventId) : resyncedWithId.get(v);
      if (seen.put(v, EtcdHistory.sortedOpKeys(opKeys)) != null) {
        if (mayComeAgain(kind, revision, earlierResyncId, resumedFrom)) {
          redelivered++;
        } else if (breaches.size() < LIST_LIMIT) {
          breaches.add("delivered " + v + " twice (the stream resumed from " + resumedFrom + ")");
        }
      }
      if (revision <= fromRevision && !kind.equals("resync") && breaches.size() < LIST_LIMIT) {
        breaches.add("delivered " + v + ", at or before the start revision " + fromRevision);
      }
      last.merge(order, revision, Math::max);
      if (eventId >= 0) {
        lastId = eventId;
      } else {
        breaches.add("an event without a numeric id: '" + id + "'");
      }
      return new Change(order, revision, opKeys);
    }

    private static long parseId(String id) {
      try {
        return Long.parseLong(id);
      } catch (NumberFormatException e) {
        return -1;
      }
    }

    /** Orders whose last version in etcd (changed after the start) this feed has not delivered. */
    synchronized List<String> behind(Map<String, Long> lastInEtcd) {
      List<String> out = new ArrayList<>();
      lastInEtcd.forEach(
          (order, rev) -> {
            if (rev > fromRevision && last.getOrDefault(order, 0L) != rev.longValue()) {
              out.add(
                  order
                      + ": delivered up to "
                      + last.getOrDefault(order, 0L)
                      + ", etcd has "
                      + rev);
            }
          });
      return out;
    }
  }
}
