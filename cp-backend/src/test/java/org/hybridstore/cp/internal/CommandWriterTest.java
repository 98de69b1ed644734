package org.hybridstore.cp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.ResponseOp;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.github.resilience4j.core.IntervalFunction;
import java.net.URI;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.hybridstore.CpConfig;
import org.hybridstore.NodeId;
import org.hybridstore.OpId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.codec.RecordCodec;
import org.hybridstore.cp.testing.TestBackendContext;
import org.hybridstore.model.HybridLogicalClock;
import org.hybridstore.model.OrderCommands;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.spi.BackendWrite;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A lost compare whose current record holds the command's op id: this call's own attempt (sent
 * twice by the router) or an earlier call's. Against a fake etcd; no network.
 */
class CommandWriterTest {
  private static final OrderId ID = OrderId.of("o-1");
  private final TestBackendContext ctx = new TestBackendContext("n1");
  private final MembersFixture members = new MembersFixture(1);
  private final Counters counters = new Counters();
  private final EtcdKeys keys = new EtcdKeys("/p/");
  private final RevisionCache cache = new RevisionCache(100);
  private final Router router =
      new Router(
          new MemberView(
              members.connections,
              1,
              new FailureLog(LoggerFactory.getLogger(CommandWriterTest.class), 1, () -> 0)),
          ctx.context().scheduler(),
          IntervalFunction.of(1),
          1,
          counters,
          new FailureLog(LoggerFactory.getLogger(CommandWriterTest.class), 1, () -> 0),
          System::nanoTime);
  private final Reader reader =
      new Reader(router, keys, cache, Duration.ofSeconds(1), System::nanoTime);

  @AfterEach
  void close() {
    router.close();
    members.close();
    ctx.close();
  }

  /**
   * A writer whose etcd answers every transaction with {@code answer(request)} and has no past
   * versions.
   */
  private CommandWriter writer(Function<TxnRequest, TxnResponse> answer) {
    return writer(answer, past);
  }

  /** etcd's past versions of the order, by revision (what a read at that revision returns). */
  private final java.util.TreeMap<Long, OrderRecord> history = new java.util.TreeMap<>();

  private final CommandWriter.PastVersions past =
      (id, revision) -> {
        var at = history.floorEntry(revision);
        return CompletableFuture.completedFuture(
            at == null
                ? java.util.Optional.empty()
                : java.util.Optional.of(
                    new org.hybridstore.spi.StoredRecord(at.getValue(), at.getKey())));
      };

  private CommandWriter writer(
      Function<TxnRequest, TxnResponse> answer, CommandWriter.PastVersions versions) {
    GroupCommitter committer =
        new GroupCommitter(
            (what, deadline, request) -> CompletableFuture.completedFuture(answer.apply(request)),
            128,
            1 << 20,
            4,
            0,
            TimeUnit.SECONDS.toNanos(1),
            ctx.context().scheduler(),
            Runnable::run,
            counters,
            System::nanoTime);
    return new CommandWriter(
        keys,
        cache,
        reader,
        committer,
        ctx.context(),
        Backoffs.of(CpConfig.builder().endpoints(List.of(URI.create("http://h:1"))).build()),
        counters,
        3,
        versions);
  }

  /** etcd says: the guard failed, and the key holds {@code stored} at revision 7. */
  private static TxnResponse lost(ByteString stored) {
    return TxnResponse.newBuilder()
        .setSucceeded(false)
        .setHeader(ResponseHeader.newBuilder().setRevision(7))
        .addResponses(
            ResponseOp.newBuilder()
                .setResponseRange(
                    RangeResponse.newBuilder()
                        .addKvs(
                            KeyValue.newBuilder()
                                .setKey(ByteString.copyFromUtf8("/p/o-1"))
                                .setValue(stored)
                                .setModRevision(7))))
        .build();
  }

  /** etcd says: the guard held, the write committed at {@code revision}. */
  private static TxnResponse committedAt(long revision) {
    return TxnResponse.newBuilder()
        .setSucceeded(true)
        .setHeader(ResponseHeader.newBuilder().setRevision(revision))
        .build();
  }

  @Test
  void feedRecord_ofThisBackendsOwnWrite_isTheWrittenRecord_anythingElseIsDecoded() {
    List<ByteString> sentValues = new ArrayList<>();
    CommandWriter w =
        writer(
            request -> {
              sentValues.add(request.getSuccess(0).getRequestPut().getValue());
              return committedAt(12);
            });
    BackendWrite written = w.apply(OrderCommand.Create.of(ID, OpId.of("op-1"), "c", "EUR")).join();
    ByteString value = sentValues.get(0);
    KeyValue.Builder kv = KeyValue.newBuilder().setKey(ByteString.copyFromUtf8("/p/o-1"));

    // the feed brings the write back: the very record, not a decoded copy
    assertThat(reader.feedRecord(kv.setValue(value).setModRevision(12).build(), "/p/o-1"))
        .isSameAs(written.record());
    // another revision, or other bytes at that revision: decoded
    OrderRecord atAnother =
        reader.feedRecord(kv.setValue(value).setModRevision(13).build(), "/p/o-1");
    assertThat(atAnother).isNotSameAs(written.record()).isEqualTo(written.record());
    OrderRecord other =
        OrderCommands.apply(
                null,
                OrderCommand.Create.of(ID, OpId.of("op-9"), "someone-else", "EUR"),
                new HybridLogicalClock(InstantSource.system(), Duration.ofMillis(500)),
                NodeId.of("n2"))
            .record();
    assertThat(
            reader.feedRecord(
                kv.setValue(ByteString.copyFrom(RecordCodec.encode(other)))
                    .setModRevision(12)
                    .build(),
                "/p/o-1"))
        .isEqualTo(other);
  }

  @Test
  void feedRecord_deliveredBeforeTheWritesAnswer_isTheWrittenRecord() {
    // under load etcd's watch often brings a write back before the transaction's answer is handled
    List<OrderRecord> fedBeforeAnswer = new ArrayList<>();
    CommandWriter w =
        writer(
            request -> {
              KeyValue kv =
                  KeyValue.newBuilder()
                      .setKey(ByteString.copyFromUtf8("/p/o-1"))
                      .setValue(
                          ByteString.copyFrom(
                              request.getSuccess(0).getRequestPut().getValue().toByteArray()))
                      .setModRevision(12)
                      .build();
              fedBeforeAnswer.add(reader.feedRecord(kv, "/p/o-1"));
              return committedAt(12);
            });

    BackendWrite written = w.apply(OrderCommand.Create.of(ID, OpId.of("op-1"), "c", "EUR")).join();

    assertThat(fedBeforeAnswer).singleElement().isSameAs(written.record());
  }

  @Test
  void apply_twinAttemptCommitted_reportedAsThisCallsWrite() {
    // etcd holds exactly what this attempt tried to write: its other attempt committed it
    CommandWriter w = writer(request -> lost(request.getSuccess(0).getRequestPut().getValue()));
    BackendWrite written = w.apply(OrderCommand.Create.of(ID, OpId.of("op-1"), "c", "EUR")).join();
    assertThat(written.duplicate()).isFalse();
    assertThat(written.revision()).isEqualTo(7);
    assertThat(written.revisionIsFirst()).as("revision 6 did not hold it").isTrue();
    assertThat(counters.snapshot().lostCasRaces()).isZero();
  }

  @Test
  void apply_twinAttemptCommitted_andALaterWriteSince_reportsTheFirstRevisionThatHoldsIt() {
    // etcd: the twin attempt committed this write at revision 4, another write changed the order
    // at revision 7 (still holding the op), and this attempt's compare lost against revision 7
    OrderCommand create = OrderCommand.Create.of(ID, OpId.of("op-1"), "c", "EUR");
    CommandWriter w =
        writer(
            request -> {
              OrderRecord mine =
                  RecordCodec.decode(
                      request.getSuccess(0).getRequestPut().getValue().toByteArray(), "test");
              OrderRecord later =
                  OrderCommands.apply(
                          mine,
                          new OrderCommand.SetAttribute(ID, OpId.of("op-2"), "k", "v"),
                          new HybridLogicalClock(InstantSource.system(), Duration.ofMillis(500)),
                          NodeId.of("n2"))
                      .record();
              history.put(4L, mine);
              history.put(7L, later);
              return lost(ByteString.copyFrom(RecordCodec.encode(later)));
            });
    BackendWrite written = w.apply(create).join();
    assertThat(written.duplicate()).isFalse();
    assertThat(written.revision()).as("the twin's commit, not the later write").isEqualTo(4);
    assertThat(written.revisionIsFirst()).isTrue();
    assertThat(written.record()).isEqualTo(history.get(4L));
  }

  @Test
  void apply_twinAttemptCommitted_butThePastCannotBeRead_reportsALaterRevisionNotProvenFirst() {
    CommandWriter w =
        writer(
            request -> lost(request.getSuccess(0).getRequestPut().getValue()),
            (id, revision) ->
                CompletableFuture.failedFuture(
                    new org.hybridstore.StoreUnavailableException("no answer")));
    BackendWrite written = w.apply(OrderCommand.Create.of(ID, OpId.of("op-1"), "c", "EUR")).join();
    assertThat(written.revision()).isEqualTo(7);
    assertThat(written.revisionIsFirst()).isFalse();
  }

  @Test
  void apply_opAppliedByAnEarlierCall_reportedAsDuplicate() {
    // etcd holds the same command applied earlier, elsewhere (another stamp)
    OrderCommand create = OrderCommand.Create.of(ID, OpId.of("op-1"), "c", "EUR");
    OrderRecord earlier =
        OrderCommands.apply(
                null,
                create,
                new HybridLogicalClock(InstantSource.system(), Duration.ofMillis(500)),
                NodeId.of("n2"))
            .record();
    CommandWriter w = writer(request -> lost(ByteString.copyFrom(RecordCodec.encode(earlier))));
    BackendWrite written = w.apply(create).join();
    assertThat(written.duplicate()).isTrue();
    assertThat(written.record()).isEqualTo(earlier);
    assertThat(counters.snapshot().lostCasRaces()).isZero();
  }
}
