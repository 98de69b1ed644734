package org.hybridstore.cp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hybridstore.cp.testing.Stages.join;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.hybridstore.CommandRejectedException;
import org.hybridstore.CorruptDataException;
import org.hybridstore.CpConfig;
import org.hybridstore.NodeId;
import org.hybridstore.OpId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.OrderLimits;
import org.hybridstore.OrderLine;
import org.hybridstore.OrderStatus;
import org.hybridstore.ReadConsistency;
import org.hybridstore.codec.EncodedRecord;
import org.hybridstore.codec.RecordCodec;
import org.hybridstore.cp.testing.EtcdClusterExtension;
import org.hybridstore.cp.testing.TestBackendContext;
import org.hybridstore.model.Lww;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.model.Stamp;
import org.hybridstore.spi.BackendWrite;
import org.hybridstore.spi.MergeReport;
import org.hybridstore.spi.QuorumStatus;
import org.hybridstore.spi.StrongBackend;
import org.hybridstore.testing.RandomRecords;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The backend against a healthy 3-member cluster: the happy paths, races, bad input and merges. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class EtcdOrderBackendIT {
  @RegisterExtension
  static final EtcdClusterExtension cluster =
      EtcdClusterExtension.builder()
          .withNodes(3)
          .withHeartbeat(50)
          .withElectionTimeout(500)
          .withPreVote(true)
          .build();

  static TestBackendContext ctx1;
  static TestBackendContext ctx2;
  static StrongBackend n1;
  static StrongBackend n2;
  static Client raw;
  static CpConfig config;

  @BeforeAll
  static void open() {
    config = cluster.cpConfig().build();
    ctx1 = new TestBackendContext("n1");
    ctx2 = new TestBackendContext("n2");
    n1 = EtcdBackendFactory.of(config).create(ctx1.context());
    n2 = EtcdBackendFactory.of(config).create(ctx2.context());
    raw = cluster.newClient();
  }

  @AfterAll
  static void close() {
    n1.close();
    n2.close();
    raw.close();
    ctx1.close();
    ctx2.close();
  }

  static Optional<KeyValue> rawGet(String key) throws Exception {
    List<KeyValue> kvs =
        raw.getKVClient()
            .get(ByteSequence.from(key, StandardCharsets.UTF_8))
            .get(10, TimeUnit.SECONDS)
            .getKvs();
    return kvs.isEmpty() ? Optional.empty() : Optional.of(kvs.get(0));
  }

  static String key(OrderId id) {
    return config.keyPrefix() + id.value();
  }

  @Test
  void apply_createThenUpdate_storedAsJsonUnderPrefix() throws Exception {
    // Given a new order
    OrderId id = OrderId.of("o-basic");
    BackendWrite created =
        join(n1.apply(OrderCommand.Create.of(id, OpId.of("op-create"), "c-1", "EUR")));
    // When another node updates it
    BackendWrite paid =
        join(n2.apply(new OrderCommand.Transition(id, OpId.of("op-pay"), OrderStatus.PAID)));
    // Then etcd holds the JSON under <prefix><id> at the reported revision
    assertThat(created.duplicate()).isFalse();
    assertThat(paid.revision()).isGreaterThan(created.revision());
    KeyValue kv = rawGet(key(id)).orElseThrow();
    assertThat(kv.getModRevision()).isEqualTo(paid.revision());
    assertThat(kv.getValue().toString(StandardCharsets.UTF_8))
        .contains("\"status\":\"PAID\"")
        .contains("\"schema\":2");
    assertThat(RecordCodec.decode(kv.getValue().getBytes(), "test")).isEqualTo(paid.record());
    // and reads of every consistency see it
    assertThat(join(n1.read(id, ReadConsistency.LINEARIZABLE))).contains(paid.record());
    assertThat(join(n2.read(id, ReadConsistency.SERIALIZABLE)).map(OrderRecord::version))
        .isPresent();
    assertThat(join(n1.read(OrderId.of("o-absent"), ReadConsistency.LINEARIZABLE))).isEmpty();
  }

  @Test
  void apply_duplicateOpId_writesNothing() throws Exception {
    OrderId id = OrderId.of("o-dup");
    join(n1.apply(OrderCommand.Create.of(id, OpId.of("op-c"), "c-1", "EUR")));
    OrderCommand set = new OrderCommand.SetAttribute(id, OpId.of("op-set"), "note", "hi");
    BackendWrite first = join(n1.apply(set));
    // When the same command is applied again, on this node and on another (no cached revision)
    BackendWrite again = join(n1.apply(set));
    BackendWrite elsewhere = join(n2.apply(set));
    // Then nothing was written
    assertThat(again.duplicate()).isTrue();
    assertThat(elsewhere.duplicate()).isTrue();
    assertThat(rawGet(key(id)).orElseThrow().getModRevision()).isEqualTo(first.revision());
    assertThat(elsewhere.record().version()).isEqualTo(first.record().version());
  }

  @Test
  void apply_rejectedCommand_passesThroughAndWritesNothing() throws Exception {
    OrderId id = OrderId.of("o-reject");
    BackendWrite c = join(n1.apply(OrderCommand.Create.of(id, OpId.of("op-c1"), "c-1", "EUR")));
    // A create for an existing order, through the other node (which has nothing cached)
    assertThatThrownBy(
            () -> join(n2.apply(OrderCommand.Create.of(id, OpId.of("op-c2"), "c-2", "EUR"))))
        .isInstanceOf(CommandRejectedException.class)
        .extracting(e -> ((CommandRejectedException) e).reason())
        .isEqualTo(CommandRejectedException.Reason.ALREADY_EXISTS);
    // An update of an order that does not exist
    assertThatThrownBy(
            () ->
                join(
                    n2.apply(
                        new OrderCommand.SetAttribute(
                            OrderId.of("o-nope"), OpId.random(), "a", "b"))))
        .isInstanceOf(CommandRejectedException.class)
        .hasMessageContaining("no such order");
    assertThat(rawGet(key(id)).orElseThrow().getModRevision()).isEqualTo(c.revision());
    assertThat(rawGet(key(OrderId.of("o-nope")))).isEmpty();
  }

  @Test
  void apply_staleCacheOnOtherNode_rejectionIsRecheckedAgainstFreshData() {
    // Given n2 has cached the order while CREATED
    OrderId id = OrderId.of("o-stale");
    join(n1.apply(OrderCommand.Create.of(id, OpId.random(), "c-1", "EUR")));
    join(n2.apply(new OrderCommand.SetAttribute(id, OpId.random(), "k", "v")));
    // When n1 moves it on to PAID and n2 then asks for FULFILLING (illegal from CREATED, legal from
    // PAID)
    join(n1.apply(new OrderCommand.Transition(id, OpId.random(), OrderStatus.PAID)));
    BackendWrite w =
        join(n2.apply(new OrderCommand.Transition(id, OpId.random(), OrderStatus.FULFILLING)));
    // Then n2 did not trust its stale copy
    assertThat(w.record().statuses().current()).isEqualTo(OrderStatus.FULFILLING);
  }

  @Test
  void apply_manyThreadsSameOrders_noLostUpdateAndEveryOpOnce() throws Exception {
    // Given 3 orders and 8 threads on 2 nodes, each thread adding its own lines to every order
    List<OrderId> orders =
        List.of(OrderId.of("race-a"), OrderId.of("race-b"), OrderId.of("race-c"));
    for (OrderId id : orders) {
      join(n1.apply(OrderCommand.Create.of(id, OpId.of("create-" + id.value()), "c", "EUR")));
    }
    int threads = 8;
    int perThread =
        12; // per thread, spread over the orders: 8 * 12 = 96 ops + 3 creates, within op-id
    // retention
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch go = new CountDownLatch(1);
    Map<OrderId, Set<OpId>> expected = new ConcurrentHashMap<>();
    List<Future<Integer>> results = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      StrongBackend backend = t % 2 == 0 ? n1 : n2;
      results.add(
          pool.submit(
              () -> {
                go.await();
                int duplicates = 0;
                for (int i = 0; i < perThread; i++) {
                  OrderId id = orders.get((thread + i) % orders.size());
                  OpId op = OpId.of("t" + thread + "-" + i);
                  OrderCommand cmd =
                      new OrderCommand.AddLine(
                          id, op, new OrderLine("sku-" + thread + "-" + i, 1, 100));
                  assertThat(join(backend.apply(cmd)).duplicate()).isFalse();
                  // and the same op id once more, as a client retry would: must not apply twice
                  if (join(backend.apply(cmd)).duplicate()) {
                    duplicates++;
                  }
                  expected.computeIfAbsent(id, k -> ConcurrentHashMap.newKeySet()).add(op);
                }
                return duplicates;
              }));
    }
    go.countDown();
    for (Future<Integer> f : results) {
      assertThat(f.get(2, TimeUnit.MINUTES)).isEqualTo(perThread);
    }
    pool.shutdown();
    // Then every order holds every line and every op id exactly once
    int total = 0;
    for (OrderId id : orders) {
      OrderRecord r = join(n1.read(id, ReadConsistency.LINEARIZABLE)).orElseThrow();
      Set<OpId> ops = expected.get(id);
      total += ops.size();
      assertThat(ops).allMatch(r.appliedOps()::contains);
      assertThat(r.lines().keySet()).hasSize(ops.size());
      // each apply increments the vector once: the create plus one per op
      assertThat(r.version()).isEqualTo(ops.size() + 1L);
      assertThat(r.versions().counters().keySet()).containsAnyOf(NodeId.of("n1"), NodeId.of("n2"));
    }
    assertThat(total).isEqualTo(threads * perThread);
  }

  @Test
  void apply_recordWouldExceedLimit_rejectedAndNothingWritten() throws Exception {
    // Given a stored record just under the size limit (written by another writer)
    OrderId id = OrderId.of("o-big");
    OrderRecord base =
        org.hybridstore.model.OrderCommands.apply(
                null,
                OrderCommand.Create.of(id, OpId.random(), "c", "EUR"),
                ctx1.context().clock(),
                NodeId.of("n1"))
            .record();
    TreeMap<String, Lww<String>> attrs = new TreeMap<>();
    Stamp stamp = base.customer().stamp();
    String filler = "x".repeat(1000);
    OrderRecord big = base;
    for (int i = 0; RecordCodec.encode(big).length + 1100 < OrderLimits.MAX_RECORD_BYTES; i++) {
      attrs.put(String.format("k%04d", i), new Lww<>(filler, stamp));
      big =
          new OrderRecord(
              id,
              base.customer(),
              base.currency(),
              base.lines(),
              attrs,
              base.statuses(),
              base.versions(),
              base.appliedOps());
    }
    byte[] bytes = RecordCodec.encode(big);
    raw.getKVClient()
        .put(ByteSequence.from(key(id), StandardCharsets.UTF_8), ByteSequence.from(bytes))
        .get(10, TimeUnit.SECONDS);
    long revision = rawGet(key(id)).orElseThrow().getModRevision();
    // When a command would push it over the limit
    String large = "\u20ac".repeat(OrderLimits.MAX_ATTRIBUTE_VALUE_LENGTH);
    assertThatThrownBy(
            () -> join(n1.apply(new OrderCommand.SetAttribute(id, OpId.random(), "k0000", large))))
        .isInstanceOf(CommandRejectedException.class)
        .extracting(e -> ((CommandRejectedException) e).reason())
        .isEqualTo(CommandRejectedException.Reason.LIMIT_EXCEEDED);
    // Then nothing was written
    assertThat(rawGet(key(id)).orElseThrow().getModRevision()).isEqualTo(revision);
  }

  @Test
  void apply_malformedStoredJson_corruptDataNamingTheKeyAndNothingOverwritten() throws Exception {
    // Given another writer stored something that is not a record
    OrderId id = OrderId.of("o-corrupt");
    String k = key(id);
    raw.getKVClient()
        .put(
            ByteSequence.from(k, StandardCharsets.UTF_8),
            ByteSequence.from("{\"schema\":1,\"id\":", StandardCharsets.UTF_8))
        .get(10, TimeUnit.SECONDS);
    long revision = rawGet(k).orElseThrow().getModRevision();
    // When the backend reads, updates or merges it
    assertThatThrownBy(
            () -> join(n1.apply(new OrderCommand.SetAttribute(id, OpId.random(), "a", "b"))))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining(k);
    assertThatThrownBy(() -> join(n2.read(id, ReadConsistency.LINEARIZABLE)))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining(k);
    assertThatThrownBy(() -> join(n1.apply(OrderCommand.Create.of(id, OpId.random(), "c", "EUR"))))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining(k);
    OrderRecord replica = new RandomRecords(7, id).replicas(1, 3).get(0);
    assertThatThrownBy(() -> join(n1.mergeAll(List.of(replica))))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining(k);
    // Then the value is untouched
    KeyValue kv = rawGet(k).orElseThrow();
    assertThat(kv.getModRevision()).isEqualTo(revision);
    assertThat(kv.getValue().toString(StandardCharsets.UTF_8)).isEqualTo("{\"schema\":1,\"id\":");
  }

  @Test
  void mergeAll_manyRecordsInBatches_storesJoinsAndIsIdempotent() {
    // Given 150 orders (more than one transaction's worth), a third of them already in etcd
    List<OrderRecord> first = new ArrayList<>();
    List<OrderRecord> second = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      List<OrderRecord> replicas = new RandomRecords(i, OrderId.of("m-" + i)).replicas(2, 6);
      first.add(replicas.get(0));
      second.add(replicas.get(1));
    }
    MergeReport seeded = join(n1.mergeAll(first.subList(0, 50)));
    assertThat(seeded.written()).isEqualTo(50);
    // When all the other replicas are merged in
    MergeReport report = join(n2.mergeAll(second));
    // Then etcd holds the join of both replicas for every order
    for (int i = 0; i < 150; i++) {
      OrderRecord expected = i < 50 ? first.get(i).merge(second.get(i)) : second.get(i);
      assertThat(report.stored().get(i)).isEqualTo(expected);
      assertThat(join(n1.read(expected.id(), ReadConsistency.LINEARIZABLE))).contains(expected);
    }
    // and merging the same again writes nothing
    MergeReport again = join(n1.mergeAll(second));
    assertThat(again.written()).isZero();
    assertThat(again.stored()).isEqualTo(report.stored());
  }

  @Test
  void mergeAllEncoded_sendsTheGivenBytes_forARecordTakenAsGiven() throws Exception {
    // Given a record for an order etcd lacks, with bytes of the layout encode writes but with a
    // space more (kept as given: a write of them shows they were not encoded again), and a record
    // for an order etcd holds another version of
    OrderRecord fresh = new RandomRecords(71, OrderId.of("enc-a")).replicas(1, 4).get(0);
    byte[] canonical = RecordCodec.encode(fresh);
    byte[] spaced = new byte[canonical.length + 1];
    spaced[0] = ' ';
    System.arraycopy(canonical, 0, spaced, 1, canonical.length);
    EncodedRecord givenA = RecordCodec.decodeEncoded(spaced, "test");
    assertThat(givenA.encoded()).isSameAs(spaced);
    List<OrderRecord> b = new RandomRecords(72, OrderId.of("enc-b")).replicas(2, 4);
    join(n1.mergeAll(List.of(b.get(0))));
    EncodedRecord givenB = EncodedRecord.of(b.get(1));
    // When both are merged with their encodings
    MergeReport report = join(n2.mergeAllEncoded(List.of(givenA, givenB)));
    // Then the first is stored as the given object, in the given bytes
    assertThat(report.written()).isEqualTo(2);
    assertThat(report.stored().get(0)).isSameAs(givenA.record());
    assertThat(rawGet(key(OrderId.of("enc-a"))).orElseThrow().getValue().getBytes())
        .isEqualTo(spaced);
    // and the second as the join, encoded
    OrderRecord joined = b.get(0).merge(b.get(1));
    assertThat(report.stored().get(1)).isEqualTo(joined);
    assertThat(rawGet(key(OrderId.of("enc-b"))).orElseThrow().getValue().getBytes())
        .isEqualTo(RecordCodec.encode(joined));
    assertThat(join(n1.read(OrderId.of("enc-a"), ReadConsistency.LINEARIZABLE))).contains(fresh);
  }

  @Test
  void mergeAll_300Records_fullTransactionsAtEtcdsLimit() {
    // Given 300 new records (etcd accepts 127 guarded writes per transaction at --max-txn-ops 128)
    List<OrderRecord> records = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      records.add(new RandomRecords(1000 + i, OrderId.of("full-" + i)).replicas(1, 3).get(0));
    }
    // When they are merged in one call
    MergeReport report = join(n1.mergeAll(records));
    // Then every record is written, in three transactions (127 + 127 + 46), with no lost race
    assertThat(report.written()).isEqualTo(300);
    assertThat(report.retries()).isZero();
    assertThat(report.transactions()).isEqualTo(3);
    assertThat(join(n2.read(records.get(299).id(), ReadConsistency.LINEARIZABLE)))
        .contains(records.get(299));
  }

  @Test
  void apply_concurrentCommandsOnDifferentOrders_shareTransactions() {
    // Given a backend whose writes wait up to 200 ms for others to join their batch (without a
    // linger, how many share a transaction depends on how fast the machine submits them: 29
    // transactions for 64 commands at load 12), and 64 orders
    StrongBackend lingering =
        EtcdBackendFactory.of(config.toBuilder().groupCommitLinger(Duration.ofMillis(200)).build())
            .create(ctx1.context());
    try {
      concurrentCommandsShareTransactions(lingering);
    } finally {
      lingering.close();
    }
  }

  private static void concurrentCommandsShareTransactions(StrongBackend n1) {
    List<OrderId> ids = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      OrderId id = OrderId.of("gc-" + i);
      ids.add(id);
      join(n1.apply(OrderCommand.Create.of(id, OpId.of("gc-create-" + i), "c", "EUR")));
    }
    long txnsBefore = n1.counters().writeTransactions();
    // When a command for each is applied at once
    List<java.util.concurrent.CompletionStage<BackendWrite>> writes = new ArrayList<>();
    for (OrderId id : ids) {
      writes.add(
          n1.apply(new OrderCommand.SetAttribute(id, OpId.of("gc-set-" + id.value()), "k", "v")));
    }
    // Then each committed once, in far fewer transactions than commands
    for (var w : writes) {
      assertThat(join(w).duplicate()).isFalse();
    }
    long txns = n1.counters().writeTransactions() - txnsBefore;
    assertThat(txns).isBetween(1L, 16L);
    for (OrderId id : ids) {
      OrderRecord r = join(n2.read(id, ReadConsistency.LINEARIZABLE)).orElseThrow();
      assertThat(r.attributes().get("k").value()).isEqualTo("v");
      assertThat(r.version()).isEqualTo(2);
    }
  }

  @Test
  void mergeAll_concurrentWithCommands_losersRetriedNothingLost() throws Exception {
    // Given 20 orders that commands keep changing on n1
    List<OrderId> ids = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      OrderId id = OrderId.of("mc-" + i);
      ids.add(id);
      join(n1.apply(OrderCommand.Create.of(id, OpId.of("mc-create-" + i), "c", "EUR")));
    }
    ExecutorService writer = Executors.newSingleThreadExecutor();
    Set<OpId> written = new HashSet<>();
    Future<?> commands =
        writer.submit(
            () -> {
              for (int round = 0; round < 5; round++) {
                for (OrderId id : ids) {
                  OpId op = OpId.of("mc-" + id.value() + "-" + round);
                  join(n1.apply(new OrderCommand.SetAttribute(id, op, "r" + round, "v")));
                  synchronized (written) {
                    written.add(op);
                  }
                }
              }
            });
    // When n2 merges replicas with their own changes at the same time
    List<OrderRecord> replicas = new ArrayList<>();
    for (OrderId id : ids) {
      OrderRecord base = join(n2.read(id, ReadConsistency.LINEARIZABLE)).orElseThrow();
      replicas.add(
          org.hybridstore.model.OrderCommands.apply(
                  base,
                  new OrderCommand.SetAttribute(
                      id, OpId.of("replica-" + id.value()), "from-replica", "yes"),
                  ctx2.context().clock(),
                  NodeId.of("n9"))
              .record());
    }
    MergeReport report = join(n2.mergeAll(replicas));
    commands.get(1, TimeUnit.MINUTES);
    writer.shutdown();
    // Then every command and every replica's change is in etcd
    assertThat(report.written()).isEqualTo(20);
    for (OrderId id : ids) {
      OrderRecord r = join(n1.read(id, ReadConsistency.LINEARIZABLE)).orElseThrow();
      assertThat(r.attributes()).containsKey("from-replica");
      assertThat(r.appliedOps().get(OpId.of("replica-" + id.value()))).isPresent();
    }
    for (OpId op : written) {
      OrderId id = OrderId.of(op.value().substring(3, op.value().lastIndexOf('-')));
      assertThat(join(n1.read(id, ReadConsistency.LINEARIZABLE)).orElseThrow().appliedOps().get(op))
          .isPresent();
    }
  }

  @Test
  void probe_healthyCluster_quorumWithOneLeader() {
    QuorumStatus status = join(n1.probe(java.time.Duration.ofSeconds(1)));
    assertThat(status.quorum()).as(status.detail()).isTrue();
    assertThat(status.members())
        .hasSize(3)
        .allSatisfy(
            m -> {
              assertThat(m.reachable()).isTrue();
              assertThat(m.leaderId()).isNotZero();
              assertThat(m.errors()).isEmpty();
            });
    assertThat(status.members().stream().map(m -> m.leaderId()).distinct()).hasSize(1);
  }
}
