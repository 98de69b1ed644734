package org.hybridstore.chaos.runner;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.hybridstore.OpId;
import org.hybridstore.chaos.checker.CheckResult;
import org.hybridstore.chaos.checker.Validity;
import org.hybridstore.chaos.client.NodeClient;
import org.hybridstore.chaos.client.OrderClient;
import org.hybridstore.chaos.cluster.KeyVersion;
import org.hybridstore.codec.RecordCodec;
import org.jspecify.annotations.Nullable;

/**
 * Follows every PROVISIONAL acknowledgement to its confirmation through the store's own API, and
 * holds each confirmation against etcd.
 *
 * <p>When a node's change feed (see {@link ChangeFeedProbe}) first delivers a committed version
 * holding a followed write's op key, the probe notes the time (the write reached etcd and a node
 * knew it) and asks the node that acknowledged the write {@code GET /commands/{opId}} (it awaits
 * that confirmation itself, and then remembers where it found it); an answer that is not
 * "confirmed" is asked again, of the next node, half a second later, until the run ends; at most
 * {@value #MAX_IN_FLIGHT} questions are on the wire at once (a flood of them would starve the
 * nodes' HTTP workers and change what is measured). After the final heal, writes no feed showed are
 * asked for directly. Asking at once matters: a record keeps only its newest 64 op ids, and a
 * register order of the workload can take more writes than that in a run.
 *
 * <p>The check: the accepting node knows every op id it acknowledged PROVISIONAL when asked right
 * after (its journal indexes op ids in the commit that precedes the acknowledgement); every
 * provisional acknowledgement is confirmed before the run ends, except in the store's documented
 * corner: an op id that its node knew right after the acknowledgement and no feed ever showed in
 * etcd, of an order that took at least {@value org.hybridstore.OrderLimits#OP_ID_RETENTION} writes
 * from shortly before the acknowledgement until every node had folded its backlog in (the record
 * keeps only that many op ids, so the op id may have left it before etcd held it; such writes are
 * counted apart); each confirmation names a revision at which etcd's version of the order holds the
 * op (same mod revision), and, when it says that revision is the first such one, etcd's version
 * just before it does not hold the op; so no confirmation precedes the write's presence in etcd.
 * Times are reported per fault (the last fault started before the acknowledgement).
 */
final class ConfirmationProbe implements ChangeFeedProbe.Listener, AutoCloseable {
  private static final long ASK_WAIT_MILLIS = 2_000;
  private static final long RETRY_MILLIS = 500;
  private static final int LIST_LIMIT = 10;

  /** Questions on the wire at once, over all nodes. */
  private static final int MAX_IN_FLIGHT = 4;

  /** One followed write. */
  private static final class Ack {
    final String opId;
    final String order;
    final String node;
    final String fault;
    final long ackMillis;
    volatile long inEtcdMillis = -1;

    /** the revision of the first version a feed showed holding the write, 0 if none did */
    volatile long seenAt;

    volatile String firstAnswer = "";

    /**
     * what the accepting node said of the op id right after acknowledging it: 1 knew it, -1 did
     * not, 0 not asked or no answer
     */
    volatile int knownAtAck;

    /** answers that were not "confirmed", by kind */
    final Map<String, Integer> answers = new ConcurrentHashMap<>();

    volatile long answeredMillis = -1;
    volatile long revision;
    volatile boolean first;
    volatile boolean asking;
    volatile String lastAnswer = "not asked";
    volatile int asks;

    Ack(String opId, String order, String node, String fault, long ackMillis) {
      this.opId = opId;
      this.order = order;
      this.node = node;
      this.fault = fault;
      this.ackMillis = ackMillis;
    }
  }

  private final List<NodeClient> nodes;
  private final ScheduledExecutorService scheduler;
  private final LongSupplier millis;
  private final Supplier<String> fault;
  private final Recorder recorder;

  /**
   * How many writes to an order may have pushed an op id out of the order's record (the newest
   * {@value org.hybridstore.OrderLimits#OP_ID_RETENTION} op ids are kept) before etcd held it.
   */
  interface LaterWrites {
    /**
     * Counts the later writes that could have pushed a write's op id out.
     *
     * @param order the order
     * @param ackMillis when the write was acknowledged (run time)
     * @return the writes to the order that could carry a later stamp and reached it before every
     *     node had folded its backlog in after the acknowledgement
     */
    int count(String order, long ackMillis);
  }

  /** Records a confirmation in the run's history. */
  interface Recorder {
    /**
     * Records one confirmation.
     *
     * @param node the node that answered
     * @param opId the write's op id
     * @param confirmation order, revision, first revision
     */
    void confirmed(String node, String opId, Map<String, Object> confirmation);
  }

  /**
   * A STRONG acknowledgement and the revision it named (the first that holds it, if the answer says
   * so).
   */
  private record StrongAck(String opId, String order, String node, long revision, boolean first) {}

  private final List<StrongAck> strong = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** op key to the followed write */
  private final Map<Long, Ack> followed = new ConcurrentHashMap<>();

  /** op key to the revision at which a feed first showed it committed */
  private final Map<Long, Long> inEtcd = new ConcurrentHashMap<>();

  private final java.util.Queue<Question> queue =
      new java.util.concurrent.ConcurrentLinkedQueue<>();
  private final java.util.concurrent.Semaphore permits =
      new java.util.concurrent.Semaphore(MAX_IN_FLIGHT);

  /** Provisional acknowledgements this client thread received and has not yet asked about. */
  private final ThreadLocal<List<Ack>> toCheck = ThreadLocal.withInitial(ArrayList::new);

  private volatile boolean closed;

  ConfirmationProbe(
      List<NodeClient> nodes,
      ScheduledExecutorService scheduler,
      LongSupplier millis,
      Supplier<String> fault,
      Recorder recorder) {
    this.nodes = nodes;
    this.scheduler = scheduler;
    this.millis = millis;
    this.fault = fault;
    this.recorder = recorder;
  }

  /**
   * Follows an acknowledged write if it was provisional.
   *
   * @param a the acknowledgement
   */
  void acknowledged(OrderClient.Acknowledgement a) {
    if (closed) {
      return;
    }
    if (!a.provisional()) {
      if (a.revision() > 0) {
        strong.add(
            new StrongAck(
                a.opId(),
                a.orderId(),
                a.node(),
                a.revision(),
                !a.duplicate() && a.firstRevision()));
      }
      return;
    }
    long key = OpId.of(a.opId()).key();
    Ack ack = new Ack(a.opId(), a.orderId(), a.node(), fault.get(), millis.getAsLong());
    if (followed.putIfAbsent(key, ack) != null) {
      return; // the same write acknowledged again (a resubmitted bump): followed once
    }
    toCheck.get().add(ack);
    if (a.revision() > 0) {
      // confirmed in the acknowledgement itself (an in-call fallback whose etcd attempt committed)
      ack.revision = a.revision();
      ack.inEtcdMillis = ack.ackMillis;
      ack.answeredMillis = ack.ackMillis;
      ack.lastAnswer = "confirmed in the acknowledgement";
      return;
    }
    Long seen = inEtcd.get(key);
    if (seen != null) {
      ack.inEtcdMillis = ack.ackMillis; // a peer folded it in before the acknowledgement came back
      ack.seenAt = seen;
      ask(ack, indexOf(a.node()));
    }
  }

  @Override
  public void committed(String node, String orderId, long revision, long[] opKeys) {
    long now = millis.getAsLong();
    for (long k : opKeys) {
      if (inEtcd.putIfAbsent(k, revision) == null) {
        Ack ack = followed.get(k);
        if (ack != null && ack.inEtcdMillis < 0) {
          ack.inEtcdMillis = now;
          ack.seenAt = revision;
          ask(ack, indexOf(ack.node)); // the accepting node confirmed it itself and remembers where
        }
      }
    }
  }

  private int indexOf(String node) {
    for (int i = 0; i < nodes.size(); i++) {
      if (nodes.get(i).node().equals(node)) {
        return i;
      }
    }
    return 0;
  }

  /**
   * Asks the accepting node, for every provisional acknowledgement the calling client thread got
   * since its last call, whether it knows the op id: a journal commits a write (and indexes its op
   * id) before the acknowledgement, so "unknown" there means the node acknowledged what it did not
   * hold. The client thread calls this right after recording the write and before its next one, so
   * every acknowledgement is asked about at once (late, the answer would prove nothing: later
   * writes may have pushed the op id out) and none is skipped (a bounded asynchronous check left 44
   * of 11,313 unchecked in a soak, and one of those, pushed out before etcd held it, could not be
   * excused), without counting in the write's latency.
   */
  void checkAcknowledged() {
    List<Ack> acks = toCheck.get();
    for (Ack ack : acks) {
      try {
        NodeClient.Response r =
            nodes.get(indexOf(ack.node)).confirmation(ack.opId, 0).get(2, TimeUnit.SECONDS);
        if (r.status() == 200) {
          ack.knownAtAck = 1;
        } else if (r.status() == 404 && "unknown".equals(r.body().path("state").asText())) {
          ack.knownAtAck = -1;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (ExecutionException | TimeoutException e) {
        recheckKnown(ack, 1); // no answer: the node died or stalled right after its ack
      }
    }
    acks.clear();
  }

  /** How many times, a second apart, a node that did not answer is asked again. */
  private static final int KNOWN_RECHECKS = 60;

  /**
   * Asks again, a second later, a node that did not answer whether it knows an op id it
   * acknowledged (a {@code kill-node} nemesis killed it right after the ack, say): once it is back,
   * a "known" proves its journal held the write across the crash. A late "unknown" proves nothing
   * (later writes may have pushed the op id out meanwhile), so only "known" counts.
   */
  private void recheckKnown(Ack ack, int attempt) {
    if (closed || attempt > KNOWN_RECHECKS) {
      return;
    }
    try {
      var unused =
          scheduler.schedule(
              () -> {
                var unusedCall =
                    nodes
                        .get(indexOf(ack.node))
                        .confirmation(ack.opId, 0)
                        .orTimeout(2, TimeUnit.SECONDS)
                        .whenComplete(
                            (r, e) -> {
                              if (e == null && r.status() == 200) {
                                ack.knownAtAck = 1;
                              } else if (e != null || r.status() >= 500) {
                                recheckKnown(ack, attempt + 1);
                              }
                            });
              },
              1,
              TimeUnit.SECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // the run is over
    }
  }

  /**
   * Queues a question; at most {@value #MAX_IN_FLIGHT} are on the wire, so the probe never floods a
   * node.
   */
  private void ask(Ack ack, int nodeIndex) {
    synchronized (ack) {
      if (closed || ack.answeredMillis >= 0 || ack.asking) {
        return;
      }
      ack.asking = true; // until it is answered, or its retry is due
    }
    queue.add(new Question(ack, nodeIndex));
    pump();
  }

  private record Question(Ack ack, int nodeIndex) {}

  private void pump() {
    while (!queue.isEmpty() && permits.tryAcquire()) {
      Question q = queue.poll();
      if (q == null) {
        permits.release();
        return;
      }
      send(q.ack(), q.nodeIndex());
    }
  }

  // One ask is in flight per write at a time (asking): asks has a single writer.
  @SuppressWarnings("NonAtomicVolatileUpdate")
  private void send(Ack ack, int nodeIndex) {
    ack.asks++;
    NodeClient n = nodes.get(nodeIndex % nodes.size());
    var unused =
        n.confirmation(ack.opId, ASK_WAIT_MILLIS)
            .whenComplete(
                (r, e) -> {
                  try {
                    if (e == null
                        && r.status() == 200
                        && "confirmed".equals(r.body().path("state").asText())) {
                      JsonNode b = r.body();
                      ack.revision = b.path("revision").asLong();
                      ack.first = b.path("firstRevision").asBoolean();
                      ack.answeredMillis = millis.getAsLong();
                      ack.lastAnswer = "confirmed by " + n.node();
                      if (ack.inEtcdMillis < 0) {
                        ack.inEtcdMillis = ack.answeredMillis; // no feed showed it first
                      }
                      Map<String, Object> c = new LinkedHashMap<>();
                      c.put("order", ack.order);
                      c.put("revision", ack.revision);
                      c.put("firstRevision", ack.first);
                      recorder.confirmed(n.node(), ack.opId, c);
                    } else {
                      String answer =
                          e != null
                              ? String.valueOf(e.getCause() != null ? e.getCause() : e)
                              : r.status()
                                  + " "
                                  + r.body().path("state").asText(r.body().path("error").asText());
                      ack.lastAnswer = n.node() + ": " + answer;
                      ack.answers.merge(
                          answer.length() > 60 ? answer.substring(0, 60) : answer, 1, Integer::sum);
                      if (ack.firstAnswer.isEmpty()) {
                        ack.firstAnswer = ack.lastAnswer + " at " + millis.getAsLong() + " ms";
                      }
                      retry(ack, nodeIndex + 1);
                    }
                  } finally {
                    permits.release();
                    pump();
                  }
                });
  }

  private void retry(Ack ack, int nodeIndex) {
    try {
      var unused =
          scheduler.schedule(
              () -> {
                ack.asking = false;
                ask(ack, nodeIndex);
              },
              RETRY_MILLIS,
              TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException stopped) {
      // the run is over; the write stays unconfirmed
    }
  }

  /**
   * After the final heal: asks for every write not confirmed yet, and waits until all are, or the
   * bound passes.
   *
   * @param boundMillis the bound
   */
  void settle(long boundMillis) throws InterruptedException {
    for (Ack ack : followed.values()) {
      if (ack.answeredMillis < 0) {
        ask(ack, indexOf(ack.node));
      }
    }
    long deadline = millis.getAsLong() + boundMillis;
    while (millis.getAsLong() < deadline
        && followed.values().stream().anyMatch(a -> a.answeredMillis < 0)) {
      Thread.sleep(100);
    }
  }

  @Override
  public void close() {
    closed = true;
  }

  /** Per fault: acknowledgement to etcd holding the write (first shown by a feed), ms. */
  Map<String, Object> confirmationQuantiles() {
    Map<String, List<Double>> byFault = new TreeMap<>();
    List<Double> all = new ArrayList<>();
    for (Ack a : followed.values()) {
      if (a.answeredMillis >= 0) {
        double ms = Math.max(0, a.inEtcdMillis - a.ackMillis);
        byFault.computeIfAbsent(a.fault, f -> new ArrayList<>()).add(ms);
        all.add(ms);
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("all", Figures.quantiles(all));
    byFault.forEach((f, v) -> out.put(f, Figures.quantiles(v)));
    return out;
  }

  /**
   * The check.
   *
   * @param history etcd's history of every order changed after the run's start
   * @param etcd reads a key at a revision (for versions before the start)
   * @param keyPrefix etcd's key prefix of the orders
   * @return INVALID if a provisional write was not confirmed, or a confirmation (a STRONG
   *     acknowledgement's revision included) is not etcd's; UNKNOWN if no write was acknowledged
   *     PROVISIONAL; else VALID
   */
  CheckResult result(
      EtcdHistory history, EtcdHistory.Reader etcd, String keyPrefix, LaterWrites laterWrites) {
    Map<String, Object> d = new LinkedHashMap<>();
    List<String> unconfirmed = new ArrayList<>();
    List<String> pushedOut = new ArrayList<>();
    List<String> wrong = new ArrayList<>();
    int confirmed = 0;
    int unreadable = 0;
    int notFirst = 0;
    long answerLagMax = 0;
    String slowest = "";
    List<String> unknownAtAck = new ArrayList<>();
    int knownChecked = 0;
    for (Ack a : followed.values()) {
      if (a.knownAtAck != 0) {
        knownChecked++;
      }
      if (a.knownAtAck < 0) {
        unknownAtAck.add(
            a.opId
                + " (order "
                + a.order
                + ", acknowledged by "
                + a.node
                + " at "
                + a.ackMillis
                + " ms, which answered 'unknown' for it right after)");
      }
    }
    for (Ack a : followed.values()) {
      if (a.answeredMillis < 0
          && a.seenAt == 0
          && a.knownAtAck > 0
          && laterWrites.count(a.order, a.ackMillis)
              >= org.hybridstore.OrderLimits.OP_ID_RETENTION) {
        // The documented corner: so many later writes reached the order before its backlog was
        // folded in that the op id left the record first (its effects are merged; it can no longer
        // be told apart). No feed ever showed etcd holding it, so nothing claims otherwise.
        pushedOut.add(
            a.opId
                + " (order "
                + a.order
                + ", acknowledged by "
                + a.node
                + " at "
                + a.ackMillis
                + " ms, "
                + laterWrites.count(a.order, a.ackMillis)
                + " writes to the order until every node had folded in)");
        continue;
      }
      if (a.answeredMillis < 0) {
        unconfirmed.add(
            a.opId
                + " (order "
                + a.order
                + ", acknowledged by "
                + a.node
                + " during "
                + a.fault
                + " at "
                + a.ackMillis
                + " ms, "
                + (a.seenAt > 0
                    ? "a feed showed etcd holding it at revision "
                        + a.seenAt
                        + " at "
                        + a.inEtcdMillis
                        + " ms"
                    : "no feed showed etcd holding it")
                + ", "
                + a.asks
                + " asks, first answer: "
                + a.firstAnswer
                + ", last: "
                + a.lastAnswer
                + ", answers: "
                + a.answers
                + ")");
        continue;
      }
      confirmed++;
      if (a.answeredMillis - a.inEtcdMillis > answerLagMax) {
        answerLagMax = a.answeredMillis - a.inEtcdMillis;
        slowest =
            a.opId
                + " (order "
                + a.order
                + ", acknowledged by "
                + a.node
                + " at "
                + a.ackMillis
                + " ms, in etcd at "
                + a.inEtcdMillis
                + " ms, "
                + a.asks
                + " asks, "
                + a.lastAnswer
                + ", other answers: "
                + a.answers
                + ")";
      }
      if (!a.first) {
        notFirst++;
      }
      String why = notInEtcd(history, etcd, keyPrefix, a.order, a.opId, a.revision, a.first);
      if (why == null) {
        continue;
      }
      if (why.isEmpty()) {
        unreadable++;
      } else {
        wrong.add(
            a.opId
                + " (order "
                + a.order
                + ") confirmed at revision "
                + a.revision
                + ", but etcd "
                + why);
      }
    }
    // A STRONG acknowledgement names its revision: that is its confirmation, held to the same rule.
    List<String> strongWrong = new ArrayList<>();
    for (StrongAck s : strong) {
      String why =
          notInEtcd(history, etcd, keyPrefix, s.order(), s.opId(), s.revision(), s.first());
      if (why == null) {
        continue;
      }
      if (why.isEmpty()) {
        unreadable++;
      } else {
        strongWrong.add(
            s.opId()
                + " (order "
                + s.order()
                + ") acknowledged STRONG by "
                + s.node()
                + " at revision "
                + s.revision()
                + ", but etcd "
                + why);
      }
    }
    d.put("provisional-acks", followed.size());
    d.put("confirmed", confirmed);
    d.put("confirmed-without-the-first-revision", notFirst);
    d.put("unconfirmed", unconfirmed.size());
    d.put("unconfirmed-examples", unconfirmed.stream().limit(LIST_LIMIT).toList());
    d.put("known-to-the-accepting-node-checked", knownChecked);
    d.put("unknown-to-the-accepting-node-right-after-its-ack", unknownAtAck.size());
    d.put("unknown-at-ack-examples", unknownAtAck.stream().limit(LIST_LIMIT).toList());
    d.put("op-id-pushed-out-before-etcd-held-it", pushedOut.size());
    d.put("op-id-pushed-out-examples", pushedOut.stream().limit(LIST_LIMIT).toList());
    d.put("not-as-in-etcd", wrong.size());
    d.put("not-as-in-etcd-examples", wrong.stream().limit(LIST_LIMIT).toList());
    d.put("strong-acks-with-a-revision", strong.size());
    d.put("strong-not-as-in-etcd", strongWrong.size());
    d.put("strong-not-as-in-etcd-examples", strongWrong.stream().limit(LIST_LIMIT).toList());
    d.put("etcd-did-not-answer-for", unreadable);
    d.put("in-etcd-to-answer-max-ms", answerLagMax);
    d.put("slowest-answer", slowest);
    d.put("ack-to-in-etcd-ms", confirmationQuantiles());
    Validity v =
        !unconfirmed.isEmpty()
                || !wrong.isEmpty()
                || !strongWrong.isEmpty()
                || !unknownAtAck.isEmpty()
            ? Validity.INVALID
            : followed.isEmpty() ? Validity.UNKNOWN : Validity.VALID;
    if (v == Validity.UNKNOWN) {
      d.put("why-unknown", "no write was acknowledged PROVISIONAL");
    }
    return CheckResult.of(v, d);
  }

  /**
   * Null if etcd's version of the order at the revision has that mod revision and holds the op
   * (and, for a first revision, the version before it does not); "" if etcd did not answer; else
   * what etcd holds instead. Answers from the history where it covers the revision, else reads.
   */
  private static @Nullable String notInEtcd(
      EtcdHistory history,
      EtcdHistory.Reader etcd,
      String keyPrefix,
      String order,
      String opId,
      long revision,
      boolean first) {
    long opKey = OpId.of(opId).key();
    String key = keyPrefix + order;
    if (history.covers(order, revision)) {
      Optional<long[]> at = history.at(order, revision);
      if (at.isEmpty()) {
        return "committed no version of the order at that revision";
      }
      if (!EtcdHistory.holds(at.get(), opKey)) {
        return "does not hold the op at that revision";
      }
      if (first) {
        Optional<Map.Entry<Long, long[]>> before = history.before(order, revision);
        if (before.isPresent()) {
          return EtcdHistory.holds(before.get().getValue(), opKey)
              ? "held the op already at revision "
                  + before.get().getKey()
                  + ", before the 'first' one"
              : null;
        }
        return heldBefore(etcd, key, revision, opKey); // the version before is older than the run
      }
      return null;
    }
    Optional<Optional<KeyVersion>> at = etcd.read(key, revision);
    if (at.isEmpty()) {
      return "";
    }
    if (at.get().isEmpty()) {
      return "had no such order at that revision";
    }
    KeyVersion kv = at.get().get();
    if (kv.modRevision() != revision) {
      return "holds the version of revision " + kv.modRevision() + " there";
    }
    if (!RecordCodec.decode(kv.value(), key).appliedOps().entries().containsKey(opKey)) {
      return "does not hold the op at that revision";
    }
    return first ? heldBefore(etcd, key, revision, opKey) : null;
  }

  private static @Nullable String heldBefore(
      EtcdHistory.Reader etcd, String key, long revision, long opKey) {
    if (revision <= 1) {
      return null;
    }
    Optional<Optional<KeyVersion>> before = etcd.read(key, revision - 1);
    if (before.isEmpty()) {
      return "";
    }
    if (before.get().isPresent()
        && RecordCodec.decode(before.get().get().value(), key)
            .appliedOps()
            .entries()
            .containsKey(opKey)) {
      return "held the op already at revision "
          + before.get().get().modRevision()
          + ", before the 'first' one";
    }
    return null;
  }
}
