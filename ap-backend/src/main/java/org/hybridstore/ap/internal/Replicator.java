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
import java.util.concurrent.TimeUnit;
import org.hybridstore.ClockSkewException;
import org.hybridstore.CorruptDataException;
import org.hybridstore.NodeId;
import org.hybridstore.OrderId;
import org.hybridstore.ap.internal.wire.Counters;
import org.hybridstore.ap.internal.wire.PeerNetwork;
import org.hybridstore.ap.internal.wire.WireMessage;
import org.hybridstore.codec.RecordCodec;
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
 * pages; for each page this node pushes what the page lacks or holds differently, pulls what it
 * lacks or holds differently, and asks for the next page. Both ends merge, so after one exchange
 * over a quiet pair both hold the join. Nothing depends on gossip delivery or ordering: any lost
 * message is repaired by a later round.
 *
 * <p>Bounded: each peer has a {@link PeerOutbox} of {@code peerQueueCapacity} messages that drops
 * the oldest; digest pages are sent one at a time, paced by the receiver's {@link
 * WireMessage.More}.
 *
 * <p>Thread-safe: handlers run on transport threads and only queue work.
 */
final class Replicator {
  private static final Logger LOG = LoggerFactory.getLogger(Replicator.class);
  private static final int ENVELOPE_BYTES = 1024;
  private static final int DIGEST_ENTRY_BYTES = 100;
  private static final Duration SEND_TIMEOUT = Duration.ofSeconds(10);

  private final NodeId self;
  private final GroupCommitWriter writer;
  private final ReplicaIndex index;
  private final HybridLogicalClock clock;
  private final Counters counters;
  private final int maxMessageBytes;
  private final int peerQueueCapacity;
  private final int pageEntries;
  private static final long FORGET_AFTER_MILLIS = TimeUnit.HOURS.toMillis(1);

  private final Map<String, PeerOutbox> outboxes = new ConcurrentHashMap<>();
  /** Seeds and every address a peer was seen at, with when: summaries go there too (see tick). */
  private final Map<String, Long> known = new ConcurrentHashMap<>();
  private final Set<String> seeds;
  private volatile @Nullable PeerNetwork network;

  Replicator(NodeId self, GroupCommitWriter writer, ReplicaIndex index, HybridLogicalClock clock, Counters counters,
      int maxMessageBytes, int peerQueueCapacity, List<String> seeds) {
    this.seeds = Set.copyOf(seeds);
    this.self = self;
    this.writer = writer;
    this.index = index;
    this.clock = clock;
    this.counters = counters;
    this.maxMessageBytes = maxMessageBytes;
    this.peerQueueCapacity = peerQueueCapacity;
    this.pageEntries = Math.max(16, Math.min(4096, (maxMessageBytes - ENVELOPE_BYTES) / DIGEST_ENTRY_BYTES));
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
   * peer address that membership does not list now. SWIM removes a member it could not reach
   * during a partition and only re-adds it at its next periodic sync; data convergence does not
   * wait for that: a summary that gets through starts the digest exchange at once.
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
    known.entrySet().removeIf(e -> !seeds.contains(e.getKey()) && now - e.getValue() > FORGET_AFTER_MILLIS);
    targets.addAll(known.keySet());
    for (String address : targets) {
      sendSummary(n, address);
    }
    outboxes.keySet().retainAll(targets);
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

  /** Handles a message from a peer (transport thread). */
  void onMessage(String from, WireMessage message) {
    PeerNetwork n = network;
    if (n == null) {
      return;
    }
    if (message instanceof WireMessage.Push p) {
      onPush(p);
    } else if (message instanceof WireMessage.Summary s) {
      ReplicaIndex.Summary mine = index.summary();
      if (mine.count() != s.count() || mine.xor() != s.xor()) {
        sendPage(n, from, "", true);
      }
    } else if (message instanceof WireMessage.Digest d) {
      onDigest(n, from, d);
    } else if (message instanceof WireMessage.More m) {
      sendPage(n, from, m.after(), false);
    } else if (message instanceof WireMessage.Pull p) {
      List<byte[]> records = new ArrayList<>();
      for (OrderId id : p.ids()) {
        byte[] bytes = writer.committedBytes(id.value());
        if (bytes != null) {
          records.add(bytes);
        }
      }
      PeerOutbox box = outbox(n, from);
      chunk(records).forEach(box::offer);
    }
  }

  private void onPush(WireMessage.Push p) {
    List<OrderRecord> accepted = new ArrayList<>(p.records().size());
    for (byte[] bytes : p.records()) {
      OrderRecord r;
      try {
        r = RecordCodec.decode(bytes, "peer " + p.from());
      } catch (CorruptDataException e) {
        counters.droppedMalformed();
        LOG.debug("dropped a record from {}: {}", p.from(), e.getMessage());
        continue;
      }
      try {
        clock.observe(r.latestTime());
      } catch (ClockSkewException e) {
        counters.refusedClockSkew();
        LOG.warn("refused order {} from {}: {}", r.id(), p.from(), e.getMessage());
        continue;
      }
      accepted.add(r);
    }
    if (!accepted.isEmpty()) {
      writer.merge(accepted);
    }
  }

  private void onDigest(PeerNetwork n, String from, WireMessage.Digest d) {
    NavigableMap<String, Long> mine = d.end() == null
        ? index.hashes().tailMap(d.start(), true)
        : index.hashes().subMap(d.start(), true, d.end(), true);
    List<OrderId> want = new ArrayList<>();
    for (Map.Entry<String, Long> e : d.entries().entrySet()) {
      Long h = mine.get(e.getKey());
      if (h == null || h.longValue() != e.getValue().longValue()) {
        want.add(OrderId.of(e.getKey()));
      }
    }
    List<byte[]> give = new ArrayList<>();
    for (Map.Entry<String, Long> e : mine.entrySet()) {
      Long theirs = d.entries().get(e.getKey());
      if (theirs == null || theirs.longValue() != e.getValue().longValue()) {
        byte[] bytes = writer.committedBytes(e.getKey());
        if (bytes != null) {
          give.add(bytes);
        }
      }
    }
    PeerOutbox box = outbox(n, from);
    chunk(give).forEach(box::offer);
    for (int i = 0; i < want.size(); i += pageEntries) {
      box.offer(new WireMessage.Pull(self, want.subList(i, Math.min(want.size(), i + pageEntries))));
    }
    if (d.end() != null) {
      box.offer(new WireMessage.More(self, d.end()));
    }
  }

  private void sendPage(PeerNetwork n, String to, String from, boolean inclusive) {
    NavigableMap<String, Long> rest = index.hashes().tailMap(from, inclusive);
    TreeMap<String, Long> entries = new TreeMap<>();
    String last = null;
    boolean more = false;
    for (Map.Entry<String, Long> e : rest.entrySet()) {
      if (entries.size() >= pageEntries) {
        more = true;
        break;
      }
      entries.put(e.getKey(), e.getValue());
      last = e.getKey();
    }
    // The page covers [start, last] if more follow, otherwise everything from start on.
    String start = inclusive ? from : from + '\u0000';
    counters.digestPage();
    outbox(n, to).offer(new WireMessage.Digest(self, start, more ? last : null, entries));
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
    return outboxes.computeIfAbsent(address,
        a -> new PeerOutbox(a, n, peerQueueCapacity, counters, SEND_TIMEOUT));
  }

  /** Returns the messages queued for all peers (for tests and stats). */
  int queuedMessages() {
    int total = 0;
    for (PeerOutbox b : outboxes.values()) {
      total += b.queued();
    }
    return total;
  }
}
