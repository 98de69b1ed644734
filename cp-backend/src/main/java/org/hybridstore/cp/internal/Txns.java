package org.hybridstore.cp.internal;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Builds the etcd requests the backend sends, and knows etcd's limits on them. Pure; thread-safe.
 *
 * <p><b>A guarded write</b> is {@code If(mod_revision(key) == R) Then(put) Else(get)}, or {@code
 * version(key) == 0} for a key expected absent. <b>Several</b> go into one transaction as nested
 * transactions, one per key, under an outer transaction without compares: each key keeps its own
 * guard, so a lost race on one key does not stop the others from committing, and the losing key's
 * else-branch returns its current value.
 *
 * <p><b>Limits.</b> etcd counts a transaction's operations per level, and a nested transaction's
 * against what the outer level leaves of {@code --max-txn-ops}: with N nested writes the outer
 * level uses N and each nested one needs 1, so N may be at most {@code maxTxnOps - 1} (127 by
 * default). etcd refuses a proposal larger than {@code --max-request-bytes}; {@link #writeBytes}
 * estimates a write's share from above, and {@link #REQUEST_OVERHEAD} leaves room for what etcd
 * wraps around the transaction.
 */
final class Txns {
  /** Bytes kept free under {@code --max-request-bytes} for etcd's own wrapping of the request. */
  static final int REQUEST_OVERHEAD = 4096;

  private Txns() {}

  /** The compare that guards a write: the key's mod revision, or version 0 if it must be absent. */
  static Compare guard(ByteString key, long expectedModRevision) {
    Compare.Builder c = Compare.newBuilder().setKey(key).setResult(Compare.CompareResult.EQUAL);
    return expectedModRevision == 0
        ? c.setTarget(Compare.CompareTarget.VERSION).setVersion(0).build()
        : c.setTarget(Compare.CompareTarget.MOD).setModRevision(expectedModRevision).build();
  }

  /** One guarded write as a transaction of its own. */
  static TxnRequest write(ByteString key, long expectedModRevision, ByteString value) {
    return TxnRequest.newBuilder()
        .addCompare(guard(key, expectedModRevision))
        .addSuccess(put(key, value))
        .addFailure(get(key))
        .build();
  }

  /** Several guarded writes on distinct keys, each a nested transaction. */
  static TxnRequest writes(List<? extends WriteOp> writes) {
    TxnRequest.Builder outer = TxnRequest.newBuilder();
    for (WriteOp w : writes) {
      outer.addSuccess(
          RequestOp.newBuilder().setRequestTxn(write(w.key(), w.expectedModRevision(), w.value())));
    }
    return outer.build();
  }

  /** A read-only transaction of one range per key: linearizable, answered at one revision. */
  static TxnRequest reads(List<ByteString> keys) {
    TxnRequest.Builder t = TxnRequest.newBuilder();
    for (ByteString k : keys) {
      t.addSuccess(get(k));
    }
    return t.build();
  }

  /** A single-key range. */
  static RangeRequest range(ByteString key, boolean serializable) {
    return RangeRequest.newBuilder().setKey(key).setSerializable(serializable).build();
  }

  /** Returns the first key-value of a range response, or null if the key is absent. */
  static @Nullable KeyValue first(RangeResponse response) {
    return response.getKvsCount() == 0 ? null : response.getKvs(0);
  }

  /** How many guarded writes fit into one transaction. */
  static int maxWrites(int maxTxnOps) {
    return Math.max(1, maxTxnOps - 1);
  }

  /** How many request bytes the guarded writes of one transaction may take. */
  static int maxWriteBytes(int maxRequestBytes) {
    return maxRequestBytes - REQUEST_OVERHEAD;
  }

  /**
   * An upper bound on the bytes one nested guarded write adds to a transaction: the key three times
   * (compare, put, get), the value, and the protobuf tags, lengths and numbers around them.
   */
  static int writeBytes(ByteString key, ByteString value) {
    return 3 * key.size() + value.size() + 64;
  }

  private static RequestOp put(ByteString key, ByteString value) {
    return RequestOp.newBuilder()
        .setRequestPut(PutRequest.newBuilder().setKey(key).setValue(value))
        .build();
  }

  private static RequestOp get(ByteString key) {
    return RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(key)).build();
  }

  /** What a guarded write needs. */
  interface WriteOp {
    ByteString key();

    /** The mod revision the key must have, or 0 if it must be absent. */
    long expectedModRevision();

    ByteString value();
  }
}
