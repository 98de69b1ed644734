package org.hybridstore.cp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.TxnRequest;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.hybridstore.CpConfig;
import org.junit.jupiter.api.Test;

class TxnsTest {
  record W(ByteString key, long expectedModRevision, ByteString value) implements Txns.WriteOp {}

  @Test
  void write_guardsOnModRevisionOrAbsence() {
    TxnRequest present =
        Txns.write(ByteString.copyFromUtf8("/p/a"), 42, ByteString.copyFromUtf8("v"));
    assertThat(present.getCompare(0).getTarget()).isEqualTo(Compare.CompareTarget.MOD);
    assertThat(present.getCompare(0).getModRevision()).isEqualTo(42);
    assertThat(present.getSuccess(0).getRequestPut().getValue().toStringUtf8()).isEqualTo("v");
    assertThat(present.getFailure(0).getRequestRange().getKey().toStringUtf8()).isEqualTo("/p/a");
    TxnRequest absent =
        Txns.write(ByteString.copyFromUtf8("/p/a"), 0, ByteString.copyFromUtf8("v"));
    assertThat(absent.getCompare(0).getTarget()).isEqualTo(Compare.CompareTarget.VERSION);
    assertThat(absent.getCompare(0).getVersion()).isZero();
  }

  @Test
  void writes_nestOneGuardedTransactionPerKey() {
    TxnRequest t =
        Txns.writes(
            List.of(
                new W(ByteString.copyFromUtf8("/p/a"), 3, ByteString.copyFromUtf8("1")),
                new W(ByteString.copyFromUtf8("/p/b"), 0, ByteString.copyFromUtf8("2"))));
    assertThat(t.getCompareCount()).isZero();
    assertThat(t.getSuccessCount()).isEqualTo(2);
    assertThat(t.getSuccess(1).getRequestTxn().getCompare(0).getKey().toStringUtf8())
        .isEqualTo("/p/b");
  }

  @Test
  void limits_followEtcdsCounting() {
    // etcd 3.4: the outer level uses N operations, each nested transaction needs 1 of the remaining
    assertThat(Txns.maxWrites(CpConfig.DEFAULT_MAX_TXN_OPS)).isEqualTo(127);
    assertThat(Txns.maxWrites(1)).isEqualTo(1);
    assertThat(Txns.maxWriteBytes(CpConfig.DEFAULT_MAX_REQUEST_BYTES))
        .isLessThan(CpConfig.DEFAULT_MAX_REQUEST_BYTES);
  }

  @Property(tries = 200)
  void writeBytes_boundsTheSerializedTransactionFromAbove(
      @ForAll @Size(min = 1, max = 127) List<@IntRange(min = 0, max = 20_000) Integer> sizes,
      @ForAll @IntRange(min = 1, max = 64) int keyLength) {
    List<W> writes = new ArrayList<>();
    long estimate = 0;
    for (int i = 0; i < sizes.size(); i++) {
      ByteString key = ByteString.copyFromUtf8("/hybridstore/orders/" + "k".repeat(keyLength) + i);
      ByteString value = ByteString.copyFrom(new byte[sizes.get(i)]);
      writes.add(new W(key, Long.MAX_VALUE - i, value));
      estimate += Txns.writeBytes(key, value);
    }
    assertThat((long) Txns.writes(writes).getSerializedSize()).isLessThanOrEqualTo(estimate);
  }
}
