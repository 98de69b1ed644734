package org.hybridstore.ap.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.hybridstore.ApConfig;
import org.hybridstore.CorruptDataException;
import org.hybridstore.NodeId;
import org.hybridstore.OrderId;
import org.hybridstore.OrderLimits;
import org.hybridstore.ap.internal.wire.Counters;
import org.hybridstore.ap.internal.wire.PeerNetwork;
import org.hybridstore.ap.internal.wire.WireCodec;
import org.hybridstore.ap.internal.wire.WireMessage;
import org.hybridstore.codec.RecordCodec;
import org.hybridstore.model.ClockObservation;
import org.hybridstore.model.HybridLogicalClock;
import org.hybridstore.model.OrderRecord;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replication between nodes, independent of the transport.
 *
 * <p>Push: after each commit, the records this node wrote go to every live peer as {@link
 * WireMessage.Push}es (several records per message, under the size limit). Peers merge with the
 * join, so order and duplicates do not matter; nothing waits for them.
 *
 * <p>Anti-entropy: every interval, and when a peer joins or comes back, this node sends each peer a
 * {@link WireMessage.Summary}. A peer whose summary differs answers with {@link WireMessage.Digest}
 * pages; for each page this node pulls what it lacks or holds differently, pushes (up to a few
 * hundred records) what the page lacks or holds differently, and asks for the next page. Both nodes
 * send summaries, so exchanges run both ways and a quiet pair ends with the join on both sides; a
 * small difference converges in one exchange. Nothing depends on gossip delivery or ordering: any
 * lost message is repaired by a later round.
 *
 * <p>Who: every handler is given the authenticated {@link PeerNetwork.Sender}; answers (digest
 * pages, pushes for a page or a pull) go to its address, never to one a payload names.
 *
 * <p>Bounded wherever a peer can push work (see docs/local-journal.md section 6):
 *
 * <ul>
 *   <li>a digest page this node sends holds at most {@code pageEntries} entries and fits in a
 *       message;
 *   <li>handling a page walks at most {@code pageEntries} of this node's own entries in its range
 *       and sends at most {@value #MAX_UNASKED_RECORDS} records (and {@code giveBudget} bytes)
 *       unasked, none if the page holds less than half as many entries (its sender is far behind);
 *       a page whose range holds more here (a wiped peer's empty page covers everything) is handled
 *       up to where the walk stopped, and the {@link WireMessage.More} that follows asks for the
 *       rest from there; the bulk of a large difference is pulled, by the node that lacks it;
 *   <li>an id pulled from one peer is not pulled again (from any peer) until it arrives or 5 s
 *       pass, and the next page is asked for only when at most one page of pulls is unanswered;
 *   <li>a pull is answered for at most {@code pageEntries} ids and {@code giveBudget} bytes;
 *   <li>each peer has a {@link PeerOutbox} bounded in messages and bytes that drops the oldest;
 *   <li>received records wait for the writer within a byte budget ({@link
 *       GroupCommitWriter#merge}); while that budget is half used, the next {@code More} waits (the
 *       exchange slows down to the journal's pace instead of dropping what it fetched);
 *   <li>one exchange at a time is served per peer: a summary arriving while pages are being served
 *       to that peer, or within the idle time after the last one, starts nothing.
 * </ul>
 *
 * <p>Thread-safe: handlers run on transport threads and only queue work.
 */
final class Replicator {
  private static final Logger LOG = LoggerFactory.getLogger(Replicator.class);
  private static final int ENVELOPE_BYTES = 1024;

  /** Encoded size of a digest entry beyond its id: quotes, colon, comma, 16 hex digits. */
  private static final int DIGEST_ENTRY_OVERHEAD = 24;

  private static final Duration SEND_TIMEOUT = Duration.ofSeconds(10);
  private static final long FORGET_AFTER_MILLIS = TimeUnit.HOURS.toMillis(1);
  private static final long MORE_RETRY_MILLIS = 25;
  private static final int MORE_MAX_RETRIES = 400;
  private static final int MAX_TRACKED_EXCHANGES = 1024;

  /**
   * Records a page handler sends without being asked (what the page lacks or holds differently).
   */
  private static final int MAX_UNASKED_RECORDS = 256;

  private final NodeId self;
  private final GroupCommitWriter writer;
  private final ReplicaIndex index;
  private final HybridLogicalClock clock;
  private final Counters counters;
  private final ScheduledExecutorService scheduler;
  private final int maxMessageBytes;
  private final int peerQueueCapacity;
  private final long peerQueueBytes;
  private final int pageEntries;
  private final long giveBudget;
  private final long exchangeIdleMillis;
  private final long pullExpiryMillis;

  private final Map<String, PeerOutbox> outboxes = new ConcurrentHashMap<>();

  /** Seeds and every address a peer was seen at, with when: summaries go there too (see tick). */
  private final Map<String, Long> known = new ConcurrentHashMap<>();

  /** Ids this node pulled recently, with when: not pulled again from another peer meanwhile. */
  private final Map<String, Long> pulling = new ConcurrentHashMap<>();

  /** Peers this node is serving digest pages to, with when it last sent one. */
  private final Map<NodeId, Long> serving = new ConcurrentHashMap<>();

  private final Set<String> seeds;
  private volatile @Nullable PeerNetwork network;

  Replicator(
      NodeId self,
      GroupCommitWriter writer,
      ReplicaIndex index,
      HybridLogicalClock clock,
      Counters counters,
      ApConfig config,
      ScheduledExecutorService scheduler) {
    this.seeds = Set.copyOf(config.seeds());
    this.self = self;
    this.writer = writer;
    this.index = index;
    this.clock = clock;
    this.counters = counters;
    this.scheduler = scheduler;
    this.maxMessageBytes = config.maxMessageBytes();
    this.peerQueueCapacity = config.peerQueueCapacity();
    this.peerQueueBytes = config.peerQueueBytes();
    int byBytes =
        (maxMessageBytes - ENVELOPE_BYTES) / (OrderLimits.MAX_ID_LENGTH + DIGEST_ENTRY_OVERHEAD);
    this.pageEntries =
        Math.max(
            16, Math.min(Math.min(WireCodec.MAX_DIGEST_ENTRIES, WireCodec.MAX_PULL_IDS), byBytes));
    this.giveBudget = Math.min(peerQueueBytes / 2, 4L * maxMessageBytes);
    this.exchangeIdleMillis = 2 * config.antiEntropyInterval().toMillis();
    // A pull unanswered for this long is taken as lost: the id may be pulled again (from anyone).
    // Long enough for a loaded node's answer; a lost pull is also made up by the next round.
    this.pullExpiryMillis = Math.max(exchangeIdleMillis, 5_000);
  }

  void attach(PeerNetwork network) {
    this.network = network;
    long now = System.currentTimeMillis();
    seeds.stream().filter(a -> !a.equals(network.localAddress())).forEach(a -> known.put(a, now));
  }

  /** Pushes records this node just committed to every live peer; never blocks. */
  void pushLocalWrites(List<byte[]> records) {
    PeerNetwork n = network;
    if (n == null) {
      return;
    }
    List<WireMessage.Push> pushes = chunk(records);
    for (PeerNetwork.Peer p : n.peers()) {
      PeerOutbox box = outbox(n, p.address());
      for (WireMessage.Push m : pushes) {
        box.offer(m);
      }
    }
  }

  /**
   * One anti-entropy round: a summary to every live peer, and also to every seed and recently seen
   * peer address that membership does not list now. SWIM removes a member it could not reach during
   * a partition and only re-adds it at its next periodic sync; data convergence does not wait for
   * that: a summary that gets through starts the digest exchange at once.
   */
  void antiEntropyTick() {
    PeerNetwork n = network;
    if (n == null) {
      return;
    }
    long now = System.currentTimeMillis();
    Set<String> targets = new HashSet<>();
    for (PeerNetwork.Peer p : n.peers()) {
      targets.add(p.address());
      known.put(p.address(), now);
    }
    known
        .entrySet()
        .removeIf(e -> !seeds.contains(e.getKey()) && now - e.getValue() > FORGET_AFTER_MILLIS);
    targets.addAll(known.keySet());
    for (String address : targets) {
      sendSummary(n, address);
    }
    outboxes.keySet().retainAll(targets);
    serving.entrySet().removeIf(e -> now - e.getValue() > exchangeIdleMillis);
  }

  /** A peer joined or came back: start an exchange with it right away. */
  void onPeerUp(PeerNetwork.Peer peer) {
    PeerNetwork n = network;
    known.put(peer.address(), System.currentTimeMillis());
    if (n != null) {
      sendSummary(n, peer.address());
    }
  }

  private void sendSummary(PeerNetwork n, String address) {
    ReplicaIndex.Summary s = index.summary();
    counters.antiEntropyRound();
    outbox(n, address).offer(new WireMessage.Summary(self, s.count(), s.xor()));
  }

  /** Handles a message from an authenticated peer (transport thread). */
  void onMessage(PeerNetwork.Sender from, WireMessage message) {
    PeerNetwork n = network;
    if (n == null) {
      return;
    }
    if (message instanceof WireMessage.Push p) {
      onPush(from, p);
    } else if (message instanceof WireMessage.Summary s) {
      ReplicaIndex.Summary mine = index.summary();
      if ((mine.count() != s.count() || mine.xor() != s.xor()) && startServing(from.node())) {
        sendPage(n, from, "", true);
      }
    } else if (message instanceof WireMessage.Digest d) {
      onDigest(n, from, d);
    } else if (message instanceof WireMessage.More m) {
      serving.put(from.node(), System.currentTimeMillis());
      sendPage(n, from, m.after(), false);
    } else if (message instanceof WireMessage.Pull p) {
      onPull(n, from, p);
    }
  }

  /** Returns whether a new exchange may start with this peer (none is being served to it). */
  private boolean startServing(NodeId peer) {
    long now = System.currentTimeMillis();
    if (serving.size() > MAX_TRACKED_EXCHANGES) {
      serving.clear();
    }
    Long last = serving.get(peer);
    if (last != null && now - last <= exchangeIdleMillis) {
      return false;
    }
    serving.put(peer, now);
    return true;
  }

  private void onPush(PeerNetwork.Sender from, WireMessage.Push p) {
    List<OrderRecord> accepted = new ArrayList<>(p.records().size());
    long bytes = 0;
    for (byte[] encoded : p.records()) {
      OrderRecord r;
      try {
        r = RecordCodec.decode(encoded, "peer " + from.node());
      } catch (CorruptDataException e) {
        counters.droppedMalformed();
        LOG.debug("dropped a record from {}: {}", from.node(), e.getMessage());
        continue;
      }
      // Every stamp in the record is at most its latest one: one check covers them all.
      ClockObservation seen = clock.tryObserve(r.latestTime());
      if (seen instanceof ClockObservation.Refused refused) {
        counters.refusedClockSkew();
        LOG.warn(
            "refused order {} from {}: its clock stamp is {} ms ahead (max {} ms)",
            r.id(),
            from.node(),
            refused.aheadMillis(),
            refused.maxOffsetMillis());
        continue;
      }
      accepted.add(r);
      bytes += encoded.length;
      pulling.remove(r.id().value()); // a pull answered (or the record came anyway)
    }
    if (!accepted.isEmpty()) {
      writer.merge(accepted, bytes);
    }
  }

  private void onPull(PeerNetwork n, PeerNetwork.Sender from, WireMessage.Pull p) {
    List<OrderId> ids = p.ids();
    if (ids.size() > pageEntries) {
      counters.cappedRequest();
      ids = ids.subList(0, pageEntries);
    }
    List<byte[]> records = new ArrayList<>();
    long bytes = 0;
    for (OrderId id : ids) {
      byte[] b = writer.committedBytes(id.value());
      if (b == null) {
        continue;
      }
      if (bytes + b.length > giveBudget) {
        counters.cappedRequest(); // the rest comes with a later round's pull
        break;
      }
      records.add(b);
      bytes += b.length;
    }
    PeerOutbox box = outbox(n, from.address());
    chunk(records).forEach(box::offer);
  }

  private void onDigest(PeerNetwork n, PeerNetwork.Sender from, WireMessage.Digest d) {
    NavigableMap<String, Long> mine =
        d.end() == null
            ? index.hashes().tailMap(d.start(), true)
            : index.hashes().subMap(d.start(), true, d.end(), true);
    // Walk this node's side of the page's range, at most pageEntries entries: a wiped peer's page
    // is empty and open-ended, and must not make this node walk (or send) its whole replica. What
    // the page lacks or holds differently is given back unasked, but only the first few records
    // and bytes of it: small differences converge in one exchange; a large one (a wiped or far
    // behind peer) travels in the exchange the other way, pulled by that peer at its own pace.
    List<String> differing = new ArrayList<>();
    int walked = 0;
    String coveredTo = null;
    boolean cut = false;
    for (Map.Entry<String, Long> e : mine.entrySet()) {
      if (walked >= pageEntries) {
        cut = true;
        break;
      }
      walked++;
      coveredTo = e.getKey();
      Long theirs = d.entries().get(e.getKey());
      if ((theirs == null || theirs.longValue() != e.getValue().longValue())
          && differing.size() < MAX_UNASKED_RECORDS) {
        differing.add(e.getKey());
      }
    }
    // A page with less than half the entries this node holds in its range comes from a node far
    // behind (a wiped one sends empty pages): it pulls what it lacks, nothing is given unasked.
    List<byte[]> give = new ArrayList<>();
    if (2L * d.entries().size() >= walked) {
      long giveBytes = 0;
      for (String id : differing) {
        byte[] bytes = writer.committedBytes(id);
        if (bytes != null && giveBytes + bytes.length <= giveBudget) {
          give.add(bytes);
          giveBytes += bytes.length;
        }
      }
    }
    if (cut) {
      counters.cappedRequest();
    }
    long now = System.currentTimeMillis();
    List<OrderId> want = new ArrayList<>();
    for (Map.Entry<String, Long> e : d.entries().entrySet()) {
      if (cut && e.getKey().compareTo(coveredTo) > 0) {
        break; // beyond what this round covers: the next page brings these entries again
      }
      Long h = mine.get(e.getKey());
      if ((h == null || h.longValue() != e.getValue().longValue()) && claimPull(e.getKey(), now)) {
        want.add(OrderId.of(e.getKey()));
      }
    }
    PeerOutbox box = outbox(n, from.address());
    chunk(give).forEach(box::offer);
    for (int i = 0; i < want.size(); i += pageEntries) {
      box.offer(
          new WireMessage.Pull(self, want.subList(i, Math.min(want.size(), i + pageEntries))));
    }
    String next = cut ? coveredTo : d.end();
    if (next != null) {
      askForMore(n, from, new WireMessage.More(self, next), 0);
    }
  }

  /** Returns how many pulled ids have not arrived yet (expired claims do not count). */
  private int unansweredPulls() {
    if (pulling.size() > pageEntries) {
      long now = System.currentTimeMillis();
      pulling.values().removeIf(t -> now - t > pullExpiryMillis);
    }
    return pulling.size();
  }

  /**
   * Returns whether to pull this id now: not if it was pulled (from any peer) and has neither
   * arrived nor expired, so that a node catching up with several peers fetches each record once.
   * Bounded: when full, expired claims go, and if none has, all do.
   */
  private boolean claimPull(String id, long now) {
    if (pulling.size() >= 4 * pageEntries) {
      pulling.values().removeIf(t -> now - t > pullExpiryMillis);
      if (pulling.size() >= 4 * pageEntries) {
        pulling.clear();
      }
    }
    Long previous = pulling.get(id);
    if (previous != null && now - previous <= pullExpiryMillis) {
      return false;
    }
    pulling.put(id, now);
    return true;
  }

  /**
   * Sends a More once at most one page of pulls is unanswered and the records waiting for the
   * writer use less than half their budget: the pages come at the pace the answers arrive and are
   * merged, so nothing fetched is dropped for lack of room (after about 10 s it is sent anyway).
   */
  private void askForMore(
      PeerNetwork n, PeerNetwork.Sender to, WireMessage.More more, int attempt) {
    if (attempt < MORE_MAX_RETRIES
        && (writer.pendingMergeBytes() > writer.maxPendingMergeBytes() / 2
            || unansweredPulls() > pageEntries)) {
      try {
        scheduler.schedule(
            () -> askForMore(n, to, more, attempt + 1), MORE_RETRY_MILLIS, TimeUnit.MILLISECONDS);
        return;
      } catch (RejectedExecutionException e) {
        return; // closing
      }
    }
    outbox(n, to.address()).offer(more);
  }

  private void sendPage(PeerNetwork n, PeerNetwork.Sender to, String from, boolean inclusive) {
    NavigableMap<String, Long> rest = index.hashes().tailMap(from, inclusive);
    TreeMap<String, Long> entries = new TreeMap<>();
    int budget = maxMessageBytes - ENVELOPE_BYTES;
    int bytes = 0;
    String last = null;
    boolean more = false;
    for (Map.Entry<String, Long> e : rest.entrySet()) {
      int size = e.getKey().length() * 2 + DIGEST_ENTRY_OVERHEAD; // JSON escapes stay under 2x
      if (entries.size() >= pageEntries || bytes + size > budget) {
        more = true;
        break;
      }
      entries.put(e.getKey(), e.getValue());
      bytes += size;
      last = e.getKey();
    }
    // The exchange stays marked after its last page: a summary arriving within the idle time (the
    // peer has not applied the pages yet) must not restart it from the beginning.
    // The page covers [start, last] if more follow, otherwise everything from start on.
    String start = inclusive ? from : from + '\u0000';
    counters.digestPage();
    outbox(n, to.address()).offer(new WireMessage.Digest(self, start, more ? last : null, entries));
  }

  private List<WireMessage.Push> chunk(List<byte[]> records) {
    List<WireMessage.Push> out = new ArrayList<>();
    List<byte[]> current = new ArrayList<>();
    long bytes = 0;
    int budget = maxMessageBytes - ENVELOPE_BYTES;
    for (byte[] r : records) {
      if (!current.isEmpty() && bytes + r.length + 1 > budget) {
        out.add(new WireMessage.Push(self, current));
        current = new ArrayList<>();
        bytes = 0;
      }
      current.add(r);
      bytes += r.length + 1;
    }
    if (!current.isEmpty()) {
      out.add(new WireMessage.Push(self, current));
    }
    return out;
  }

  private PeerOutbox outbox(PeerNetwork n, String address) {
    return outboxes.computeIfAbsent(
        address,
        a -> new PeerOutbox(a, n, peerQueueCapacity, peerQueueBytes, counters, SEND_TIMEOUT));
  }

  /** Returns the messages queued for all peers (for tests and stats). */
  int queuedMessages() {
    int total = 0;
    for (PeerOutbox b : outboxes.values()) {
      total += b.queued();
    }
    return total;
  }

  /** Returns the estimated bytes queued for all peers (for tests and stats). */
  long queuedBytes() {
    long total = 0;
    for (PeerOutbox b : outboxes.values()) {
      total += b.queuedBytes();
    }
    return total;
  }
}
