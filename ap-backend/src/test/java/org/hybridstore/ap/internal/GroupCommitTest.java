package org.hybridstore.ap.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.hybridstore.CommandRejectedException;
import org.hybridstore.NodeId;
import org.hybridstore.OpId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.OrderStatus;
import org.hybridstore.ap.internal.storage.StorageOptions;
import org.hybridstore.ap.internal.wire.NetworkFaults;
import org.hybridstore.codec.EncodedRecord;
import org.hybridstore.codec.RecordCodec;
import org.hybridstore.model.HybridLogicalClock;
import org.hybridstore.model.HybridTimestamp;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.model.Stamp;
import org.hybridstore.model.VersionVector;
import org.hybridstore.spi.BackendWrite;
import org.hybridstore.spi.StoredRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GroupCommitTest {
  @TempDir Path dir;
  private final LocalHub hub = new LocalHub(1);
  private final List<TestNode> nodes = new ArrayList<>();

  @AfterEach
  void close() {
    try {
      TestNode.closeAll(nodes);
    } finally {
      hub.close();
    }
  }

  private TestNode open() {
    TestNode n = TestNode.inMemory("n1", TestNode.config(dir).build(), hub);
    nodes.add(n);
    return n;
  }

  private TestNode reopen(TestNode n) {
    nodes.remove(n);
    n.close();
    return open();
  }

  /** Applies a command on a node and returns the record it acknowledged. */
  private static OrderRecord ack(TestNode n, OrderCommand command) throws Exception {
    return n.backend.apply(command).toCompletableFuture().get(10, TimeUnit.SECONDS).record();
  }

  private static OrderCommand.Create create(String id) {
    return OrderCommand.Create.of(OrderId.of(id), OpId.of("op-" + id), "c-1", "EUR");
  }

  @Test
  void concurrentWriters_allAckedAndEveryAckDurableAfterReopen() throws Exception {
    // Given 16 writers in a closed loop (each waits for its ack before the next write)
    TestNode n = open();
    int writers = 16;
    int perWriter = 100;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    CountDownLatch start = new CountDownLatch(1);
    List<CompletableFuture<Void>> done = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      int writer = w;
      done.add(
          CompletableFuture.runAsync(
              () -> {
                try {
                  start.await();
                  for (int i = 0; i < perWriter; i++) {
                    n.backend
                        .apply(create("o-" + writer + "-" + i))
                        .toCompletableFuture()
                        .get(30, TimeUnit.SECONDS);
                  }
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              },
              pool));
    }
    start.countDown();
    // When every write is acknowledged
    CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
    pool.shutdown();
    // Then writes were grouped into fewer transactions than writes
    assertThat(n.backend.stats().writes()).isEqualTo(writers * perWriter);
    assertThat(n.backend.stats().batches()).isLessThan(writers * perWriter);
    // And after a restart every acknowledged write is there, and in the backlog
    TestNode again = reopen(n);
    for (int w = 0; w < writers; w++) {
      for (int i = 0; i < perWriter; i++) {
        assertThat(again.backend.read(OrderId.of("o-" + w + "-" + i)))
            .as("o-%d-%d", w, i)
            .isPresent();
      }
    }
    assertThat(again.backend.backlogSize()).isEqualTo(writers * perWriter);
  }

  @Test
  void fullQueue_refusesDefinitelyAndTheRestCommit() throws Exception {
    // Given the writer parked and more writes queued than the queue holds (2048 by default)
    TestNode n = open();
    CompletableFuture<Void> release = new CompletableFuture<>();
    n.backend.holdWriter(release);
    List<CompletableFuture<BackendWrite>> acks = new ArrayList<>();
    for (int i = 0; i < 2100; i++) {
      acks.add(n.backend.apply(create("q-" + i)).toCompletableFuture());
    }
    release.complete(null);
    // Then the overflow fails at once as unavailable (definitely not applied), the rest commit
    int refused = 0;
    for (int i = 0; i < acks.size(); i++) {
      try {
        acks.get(i).get(60, TimeUnit.SECONDS);
        assertThat(n.backend.read(OrderId.of("q-" + i))).isPresent();
      } catch (java.util.concurrent.ExecutionException e) {
        assertThat(e).hasCauseInstanceOf(org.hybridstore.StoreUnavailableException.class);
        assertThat(n.backend.read(OrderId.of("q-" + i))).isEmpty();
        refused++;
      }
    }
    // (the parked hold task may still occupy one slot when the writes arrive)
    assertThat(refused).isBetween(2100 - 2048, 2100 - 2048 + 1);
  }

  @Test
  void batch_commandsSeeEarlierWritesOfTheSameBatch_andARejectionFailsOnlyItself()
      throws Exception {
    TestNode n = open();
    long batchesBefore = n.backend.stats().batches();
    // Given the writer parked, so that the next commands commit as one batch
    CompletableFuture<Void> release = new CompletableFuture<>();
    n.backend.holdWriter(release);
    OrderId a = OrderId.of("a");
    var created = n.backend.apply(create("a")).toCompletableFuture();
    var paid =
        n.backend
            .apply(new OrderCommand.Transition(a, OpId.of("op-paid"), OrderStatus.PAID))
            .toCompletableFuture();
    var illegal =
        n.backend
            .apply(new OrderCommand.Transition(a, OpId.of("op-delivered"), OrderStatus.DELIVERED))
            .toCompletableFuture();
    var noted =
        n.backend
            .apply(new OrderCommand.SetAttribute(a, OpId.of("op-note"), "note", "x"))
            .toCompletableFuture();
    var missing =
        n.backend
            .apply(new OrderCommand.SetAttribute(OrderId.of("nope"), OpId.of("op-x"), "k", "v"))
            .toCompletableFuture();
    // When the batch runs
    release.complete(null);
    // Then the commands saw each other (read-your-writes inside the batch)...
    assertThat(created.get(10, TimeUnit.SECONDS).duplicate()).isFalse();
    assertThat(paid.get(10, TimeUnit.SECONDS).record().statuses().current())
        .isEqualTo(OrderStatus.PAID);
    assertThat(noted.get(10, TimeUnit.SECONDS).record().toOrder().attributes())
        .containsEntry("note", "x");
    // ...the rejected ones failed alone...
    assertThatThrownBy(illegal::join)
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(CommandRejectedException.class);
    assertThatThrownBy(missing::join).hasCauseInstanceOf(CommandRejectedException.class);
    // ...and one transaction held the three writes
    assertThat(n.backend.stats().batches() - batchesBefore).isEqualTo(1);
    assertThat(n.backend.stats().rejected()).isEqualTo(2);
    OrderRecord stored = reopen(n).backend.read(a).orElseThrow();
    assertThat(stored.statuses().current()).isEqualTo(OrderStatus.PAID);
    assertThat(stored.toOrder().attributes()).containsEntry("note", "x");
  }

  @Test
  void apply_sameOpIdTwice_isADuplicate() throws Exception {
    TestNode n = open();
    BackendWrite first =
        n.backend.apply(create("a")).toCompletableFuture().get(10, TimeUnit.SECONDS);
    BackendWrite again =
        n.backend.apply(create("a")).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(again.duplicate()).isTrue();
    assertThat(again.record()).isEqualTo(first.record());
    assertThat(first.revision()).isPositive();
  }

  @Test
  void apply_withAnEarlierStamp_keepsTheLaterValue_andIsDurable() throws Exception {
    // Given an order, a stamp read then (an in-call fallback's), and a later write of attribute k
    TestNode n = open();
    OrderId id = OrderId.of("o-1");
    n.backend.apply(create("o-1")).toCompletableFuture().get(5, TimeUnit.SECONDS);
    HybridTimestamp latest = n.backend.read(id).orElseThrow().latestTime();
    Stamp early =
        new Stamp(new HybridTimestamp(latest.wallMillis(), latest.logical() + 1), NodeId.of("n1"));
    n.backend
        .apply(new OrderCommand.SetAttribute(id, OpId.of("op-later"), "k", "later"))
        .toCompletableFuture()
        .get(5, TimeUnit.SECONDS);

    // When the fallback writes k with the earlier stamp
    BackendWrite w =
        n.backend
            .apply(new OrderCommand.SetAttribute(id, OpId.of("op-early"), "k", "early"), early)
            .toCompletableFuture()
            .get(5, TimeUnit.SECONDS);

    // Then it is applied under its op id and stamp, and k keeps the later value, after a restart
    // too
    assertThat(w.duplicate()).isFalse();
    assertThat(w.record().toOrder().attributes()).containsEntry("k", "later");
    OrderRecord reread = reopen(n).backend.read(id).orElseThrow();
    assertThat(reread.toOrder().attributes()).containsEntry("k", "later");
    assertThat(reread.appliedOps().get(OpId.of("op-early")).orElseThrow().stamp()).isEqualTo(early);
  }

  @Test
  void read_neverSeesAWriteBeforeItsCommit() throws Exception {
    TestNode n = open();
    n.backend.apply(create("a")).toCompletableFuture().get(10, TimeUnit.SECONDS);
    CompletableFuture<Void> release = new CompletableFuture<>();
    n.backend.holdWriter(release);
    var paid =
        n.backend
            .apply(new OrderCommand.Transition(OrderId.of("a"), OpId.of("op-p"), OrderStatus.PAID))
            .toCompletableFuture();
    // While the write waits for its batch, reads see the committed record
    assertThat(n.backend.read(OrderId.of("a")).orElseThrow().statuses().current())
        .isEqualTo(OrderStatus.CREATED);
    release.complete(null);
    paid.get(10, TimeUnit.SECONDS);
    assertThat(n.backend.read(OrderId.of("a")).orElseThrow().statuses().current())
        .isEqualTo(OrderStatus.PAID);
  }

  @Test
  void absorb_clearsTheBacklogOnlyWhereEtcdIncludesTheLocalRecord() throws Exception {
    TestNode n = open();
    OrderRecord createdA = ack(n, create("a"));
    OrderRecord paidA =
        ack(n, new OrderCommand.Transition(OrderId.of("a"), OpId.of("op-p"), OrderStatus.PAID));
    OrderRecord createdB = ack(n, create("b"));
    assertThat(n.backend.backlog(10)).extracting(r -> r.id().value()).containsExactly("a", "b");
    assertThat(n.backend.inBacklog(OrderId.of("b"))).isTrue();
    // When etcd holds an older record of a and the current record of b
    n.backend
        .absorb(List.of(createdA, createdB), 17)
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
    // Then only b leaves the backlog; a keeps its local write
    assertThat(n.backend.backlog(10)).extracting(r -> r.id().value()).containsExactly("a");
    assertThat(n.backend.inBacklog(OrderId.of("b"))).isFalse();
    assertThat(n.backend.inBacklog(OrderId.of("a"))).isTrue();
    assertThat(n.backend.read(OrderId.of("a")).orElseThrow()).isEqualTo(paidA);
    assertThat(n.backend.mirrorRevision()).isEqualTo(17);
    // When etcd catches up with a
    n.backend.absorb(List.of(paidA), 18).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(n.backend.backlogSize()).isZero();
    // And the mirror revision survives a restart
    assertThat(reopen(n).backend.mirrorRevision()).isEqualTo(18);
  }

  @Test
  void backlogHints_knownFoldedIsWhatEtcdHeldWhenTheOrderEnteredTheBacklog_plusEveryAbsorbSince()
      throws Exception {
    TestNode n = open();
    NodeId n0 = NodeId.of("n0");
    NodeId n3 = NodeId.of("n3");
    OrderId x = OrderId.of("x");
    // Given an order another node created in etcd, absorbed here
    OrderRecord created =
        org.hybridstore.model.OrderCommands.apply(null, create("x"), n.clock, n0).record();
    n.backend.absorb(List.of(created), 5).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(n.backend.knownFolded(x)).isEqualTo(VersionVector.EMPTY);
    assertThat(n.backend.backlogVersions(x)).isEmpty();
    // When this node writes to it twice
    for (String key : List.of("k1", "k2")) {
      n.backend
          .apply(new OrderCommand.SetAttribute(x, OpId.of("op-" + key), key, "v"))
          .toCompletableFuture()
          .get(10, TimeUnit.SECONDS);
    }
    // Then etcd is known to hold the record as it was before the first write: n1 wrote the rest
    OrderRecord local = n.backend.read(x).orElseThrow();
    assertThat(n.backend.backlogIds(10)).containsExactly(x);
    assertThat(n.backend.backlogVersions(x)).contains(local.versions());
    assertThat(n.backend.knownFolded(x)).isEqualTo(created.versions());
    assertThat(local.versions().aheadOf(n.backend.knownFolded(x))).containsExactly(NodeId.of("n1"));
    // When etcd's record gains another node's write, but not this node's
    OrderRecord byN3 =
        org.hybridstore.model.OrderCommands.apply(
                created, new OrderCommand.SetAttribute(x, OpId.of("op-n3"), "k3", "v"), n.clock, n3)
            .record();
    n.backend.absorb(List.of(byN3), 6).toCompletableFuture().get(10, TimeUnit.SECONDS);
    // Then the absorb adds it, and n1 is still the only writer etcd may lack
    assertThat(n.backend.knownFolded(x)).isEqualTo(byN3.versions());
    local = n.backend.read(x).orElseThrow();
    assertThat(local.versions().aheadOf(n.backend.knownFolded(x))).containsExactly(NodeId.of("n1"));
    // And the backlog record's vector follows the merge, without a read
    assertThat(n.backend.backlogVersions(x)).contains(local.versions());
    assertThat(local.versions()).isNotEqualTo(byN3.versions());
    // And after a restart nothing is known for the order still in the backlog
    TestNode again = reopen(n);
    assertThat(again.backend.inBacklog(x)).isTrue();
    assertThat(again.backend.backlogIds(10)).containsExactly(x);
    assertThat(again.backend.knownFolded(x)).isEqualTo(VersionVector.EMPTY);
    assertThat(again.backend.backlogVersions(x)).isEmpty();
    // And when etcd's record is absorbed after the restart (the change feed catching up), it is
    // what etcd is known to hold again: n1 is the only writer etcd may lack, as before
    OrderRecord byN3Again =
        org.hybridstore.model.OrderCommands.apply(
                byN3, new OrderCommand.SetAttribute(x, OpId.of("op-n3b"), "k4", "v"), n.clock, n3)
            .record();
    again.backend.absorb(List.of(byN3Again), 7).toCompletableFuture().get(10, TimeUnit.SECONDS);
    local = again.backend.read(x).orElseThrow();
    assertThat(again.backend.knownFolded(x)).isEqualTo(byN3Again.versions());
    assertThat(local.versions().aheadOf(again.backend.knownFolded(x)))
        .containsExactly(NodeId.of("n1"));
    assertThat(again.backend.backlogVersions(x)).contains(local.versions());
    // And once etcd includes the local record, it leaves the backlog and the hint with it
    again.backend.absorb(List.of(local), 8).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(again.backend.inBacklog(x)).isFalse();
    assertThat(again.backend.knownFolded(x)).isEqualTo(VersionVector.EMPTY);
    assertThat(again.backend.backlogIds(10)).isEmpty();
  }

  @Test
  void absorb_ofACommittedRecord_aLaterOneReplacesIt_anOlderOneChangesNothing() throws Exception {
    // Given an order this node wrote, committed and no longer in the decode cache (a restart)
    TestNode n = open();
    OrderRecord created =
        n.backend.apply(create("a")).toCompletableFuture().get(10, TimeUnit.SECONDS).record();
    OrderRecord paidByN0 =
        org.hybridstore.model.OrderCommands.apply(
                created,
                new OrderCommand.Transition(OrderId.of("a"), OpId.of("op-p"), OrderStatus.PAID),
                n.clock,
                NodeId.of("n0"))
            .record();
    TestNode again = reopen(n);
    assertThat(again.backend.inBacklog(OrderId.of("a"))).isTrue();
    // When etcd's record is a later version of it
    again.backend.absorb(List.of(paidByN0), 5).toCompletableFuture().get(10, TimeUnit.SECONDS);
    // Then it replaces the replica's record (as written: read back after another restart) and
    // nothing is left to fold in
    TestNode third = reopen(again);
    assertThat(third.backend.read(OrderId.of("a"))).contains(paidByN0);
    assertThat(third.backend.inBacklog(OrderId.of("a"))).isFalse();
    // When etcd's record is an older version
    third.backend.absorb(List.of(created), 6).toCompletableFuture().get(10, TimeUnit.SECONDS);
    // Then the replica keeps the later one, and only the mirror revision moves
    assertThat(third.backend.read(OrderId.of("a"))).contains(paidByN0);
    assertThat(third.backend.backlogSize()).isZero();
    TestNode fourth = reopen(third);
    assertThat(fourth.backend.read(OrderId.of("a"))).contains(paidByN0);
    assertThat(fourth.backend.mirrorRevision()).isEqualTo(6);
  }

  @Test
  void absorbStored_etcdsBytesDecideOnlyWhenTheyAreTheReplicas() throws Exception {
    // Given three orders this node wrote, committed and out of the decode cache (a restart), and
    // a later version of b by another node
    TestNode n = open();
    OrderRecord a = ack(n, create("a"));
    OrderRecord b = ack(n, create("b"));
    OrderRecord createdC = ack(n, create("c"));
    OrderRecord paidC =
        ack(n, new OrderCommand.Transition(OrderId.of("c"), OpId.of("op-p"), OrderStatus.PAID));
    OrderRecord paidBByN0 =
        org.hybridstore.model.OrderCommands.apply(
                b,
                new OrderCommand.Transition(OrderId.of("b"), OpId.of("op-pb"), OrderStatus.PAID),
                n.clock,
                NodeId.of("n0"))
            .record();
    TestNode again = reopen(n);
    assertThat(again.backend.backlogSize()).isEqualTo(3);
    // When etcd holds: a exactly as the replica (the same bytes); b's later version in bytes that
    // are not the canonical encoding (a space more, as another writer might store it); c's older
    // version, with its own bytes
    byte[] laterB = RecordCodec.encode(paidBByN0);
    byte[] spacedB = new byte[laterB.length + 1];
    spacedB[0] = ' ';
    System.arraycopy(laterB, 0, spacedB, 1, laterB.length);
    assertThat(RecordCodec.decode(spacedB, "spaced")).isEqualTo(paidBByN0);
    again
        .backend
        .absorbStored(
            List.of(
                new StoredRecord(a, 5, RecordCodec.encode(a)),
                new StoredRecord(paidBByN0, 5, spacedB),
                new StoredRecord(createdC, 5, RecordCodec.encode(createdC))),
            5)
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
    // Then a and b leave the backlog, b's replica takes etcd's record, and c keeps its later
    // local write and stays in the backlog
    assertThat(again.backend.backlogIds(10)).containsExactly(OrderId.of("c"));
    assertThat(again.backend.mirrorRevision()).isEqualTo(5);
    TestNode third = reopen(again);
    assertThat(third.backend.read(OrderId.of("a"))).contains(a);
    assertThat(third.backend.read(OrderId.of("b"))).contains(paidBByN0);
    assertThat(third.backend.read(OrderId.of("c"))).contains(paidC);
    assertThat(third.backend.backlogIds(10)).containsExactly(OrderId.of("c"));
    // And when etcd catches up with c, in the bytes the replica holds, the backlog is empty
    third
        .backend
        .absorbStored(List.of(new StoredRecord(paidC, 6, RecordCodec.encode(paidC))), 6)
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
    assertThat(third.backend.backlogSize()).isZero();
  }

  @Test
  void readEncoded_handsOutTheJournalsBytes_andAbsorbEncodedTakesThemBack() throws Exception {
    // Given two orders this node wrote, committed and out of the decode cache (a restart), at
    // mirror revision 4
    TestNode n = open();
    OrderRecord a = ack(n, create("a"));
    OrderRecord b = ack(n, create("b"));
    n.backend.absorb(List.of(), 4).toCompletableFuture().get(10, TimeUnit.SECONDS);
    TestNode again = reopen(n);
    // When the reconciler reads them with their bytes
    EncodedRecord encodedA = again.backend.readEncoded(OrderId.of("a")).orElseThrow();
    EncodedRecord encodedB = again.backend.readEncoded(OrderId.of("b")).orElseThrow();
    // Then each comes with its encoding
    assertThat(encodedA.record()).isEqualTo(a);
    assertThat(encodedA.encoded()).isEqualTo(RecordCodec.encode(a));
    assertThat(encodedB.record()).isEqualTo(b);
    assertThat(again.backend.readEncoded(OrderId.of("none"))).isEmpty();
    // When b changes here before the fold's result comes back, and etcd took both as given
    OrderRecord paidB =
        ack(
            again,
            new OrderCommand.Transition(OrderId.of("b"), OpId.of("op-pb"), OrderStatus.PAID));
    again
        .backend
        .absorbEncoded(List.of(encodedA, encodedB))
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
    // Then a leaves the backlog, b keeps its later write and stays, and the mirror revision stays
    assertThat(again.backend.backlogIds(10)).containsExactly(OrderId.of("b"));
    assertThat(again.backend.mirrorRevision()).isEqualTo(4);
    TestNode third = reopen(again);
    assertThat(third.backend.read(OrderId.of("a"))).contains(a);
    assertThat(third.backend.read(OrderId.of("b"))).contains(paidB);
    assertThat(third.backend.backlogIds(10)).containsExactly(OrderId.of("b"));
  }

  @Test
  void absorb_unknownOrder_entersTheReplicaWithoutBacklog() throws Exception {
    TestNode n = open();
    OrderRecord r =
        org.hybridstore.model.OrderCommands.apply(
                null, create("x"), n.clock, org.hybridstore.NodeId.of("etcd-writer"))
            .record();
    n.backend.absorb(List.of(r), 5).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(n.backend.read(OrderId.of("x"))).contains(r);
    assertThat(n.backend.backlogSize()).isZero();
  }

  @Test
  void absorb_theClockObservesWhatEtcdHolds_soTheNextReadingIsLater() throws Exception {
    // Given a record from etcd stamped 2 s ahead of this node's clock (within the 5 s offset)
    TestNode n = open();
    HybridLogicalClock ahead =
        new HybridLogicalClock(() -> Instant.now().plusSeconds(2), java.time.Duration.ofSeconds(5));
    OrderRecord r =
        org.hybridstore.model.OrderCommands.apply(
                null, create("x"), ahead, org.hybridstore.NodeId.of("etcd-writer"))
            .record();
    // When the journal absorbs it
    n.backend.absorb(List.of(r), 5).toCompletableFuture().get(10, TimeUnit.SECONDS);
    // Then a plain reading of the node's clock is later than every stamp in the replica
    assertThat(n.clock.now()).isGreaterThan(r.latestTime());
  }

  @Test
  void restart_clockNeverGoesBackwards() throws Exception {
    // Given a node whose wall clock reads one hour ahead
    Path data = dir.resolve("clock");
    AtomicLong now = new AtomicLong(Instant.parse("2030-01-01T01:00:00Z").toEpochMilli());
    InstantSource source = () -> Instant.ofEpochMilli(now.get());
    TestNode n =
        TestNode.start(
            "n1",
            TestNode.config(data).build(),
            StorageOptions.DEFAULTS,
            hub.factory(new NetworkFaults()),
            new NetworkFaults(),
            source);
    nodes.add(n);
    OrderRecord first =
        n.backend.apply(create("a")).toCompletableFuture().get(10, TimeUnit.SECONDS).record();
    nodes.remove(n);
    n.close();
    // When it restarts with its wall clock set back by an hour
    now.addAndGet(-3_600_000);
    TestNode again =
        TestNode.start(
            "n1",
            TestNode.config(data).build(),
            StorageOptions.DEFAULTS,
            hub.factory(new NetworkFaults()),
            new NetworkFaults(),
            source);
    nodes.add(again);
    // Then its next stamp is still later than every stamp it wrote before
    assertThat(again.clock.last()).isGreaterThanOrEqualTo(first.latestTime());
    OrderRecord second =
        again
            .backend
            .apply(new OrderCommand.SetAttribute(OrderId.of("a"), OpId.of("op-2"), "k", "v"))
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS)
            .record();
    assertThat(second.attributes().get("k").stamp().time()).isGreaterThan(first.latestTime());
  }

  @Test
  void failedFsync_batchIndeterminateThenWritesRefusedUntilTheJournalRecovers() throws Exception {
    // Given a node whose disk fails one fsync
    org.hybridstore.ap.internal.storage.SimulatedDisk disk =
        new org.hybridstore.ap.internal.storage.SimulatedDisk();
    TestNode n =
        TestNode.start(
            "n1",
            TestNode.config(dir.resolve("sim")).build(),
            new StorageOptions(false, StorageOptions.DEFAULT_ROTATE_THRESHOLD_BYTES, disk),
            hub.factory(new NetworkFaults()),
            new NetworkFaults(),
            InstantSource.system());
    nodes.add(n);
    n.backend.apply(create("a")).toCompletableFuture().get(10, TimeUnit.SECONDS);
    disk.failForceAfter(0);
    // When a write's fsync fails, Then its outcome is unknown (never an acknowledgement)
    assertThatThrownBy(
            () -> n.backend.apply(create("b")).toCompletableFuture().get(10, TimeUnit.SECONDS))
        .hasCauseInstanceOf(org.hybridstore.IndeterminateWriteException.class);
    // And the writer recovers the journal by itself
    Awaits.await(10).until(() -> n.backend.journalHealth().writable());
    // When the disk takes no fsync at all, Then the next write is indeterminate and later ones are
    // refused, definitely (nothing written), while the journal says why
    disk.failAllForces(true);
    assertThatThrownBy(
            () -> n.backend.apply(create("c")).toCompletableFuture().get(10, TimeUnit.SECONDS))
        .hasCauseInstanceOf(org.hybridstore.IndeterminateWriteException.class);
    assertThatThrownBy(
            () -> n.backend.apply(create("d")).toCompletableFuture().get(10, TimeUnit.SECONDS))
        .hasCauseInstanceOf(org.hybridstore.StoreUnavailableException.class);
    assertThat(n.backend.journalHealth().writable()).isFalse();
    assertThat(n.backend.journalHealth().problem()).contains("simulated fsync failure");
    // And once the disk works again, the writer's own retries bring the journal back
    disk.failAllForces(false);
    Awaits.await(10).until(() -> n.backend.journalHealth().writable());
    assertThat(n.backend.journalHealth().writeFailures()).isEqualTo(2);
    assertThat(n.backend.journalHealth().recoveries()).isEqualTo(2);
    // And it acknowledges again, durably
    n.backend.apply(create("e")).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(n.backend.read(OrderId.of("e"))).isPresent();
  }

  @Test
  void closed_backendFailsWrites() {
    TestNode n = open();
    nodes.remove(n);
    n.close();
    assertThatThrownBy(() -> n.backend.apply(create("a")).toCompletableFuture().join())
        .hasCauseInstanceOf(org.hybridstore.StoreClosedException.class);
  }
}
