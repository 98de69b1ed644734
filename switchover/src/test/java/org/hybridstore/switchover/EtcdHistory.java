package org.hybridstore.switchover;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.hybridstore.Confirmation;
import org.hybridstore.codec.RecordCodec;
import org.hybridstore.model.OrderRecord;

/** Checks against etcd itself (a raw jetcd client, not the store's backend). */
final class EtcdHistory {
  private EtcdHistory() {}

  /**
   * Reads a key's version at a revision: the version current then, or null if the key did not
   * exist.
   */
  static KeyValue at(Client raw, String prefix, String orderId, long revision) throws Exception {
    ByteSequence key = ByteSequence.from(prefix + orderId, StandardCharsets.UTF_8);
    List<KeyValue> kvs =
        raw.getKVClient()
            .get(key, GetOption.builder().withRevision(revision).build())
            .get(10, TimeUnit.SECONDS)
            .getKvs();
    return kvs.isEmpty() ? null : kvs.get(0);
  }

  static OrderRecord decode(KeyValue kv) {
    return RecordCodec.decode(kv.getValue().getBytes(), "etcd " + kv.getKey());
  }

  /**
   * Asserts that the confirmation's revision is the first version of the order's key that holds the
   * op id: the version at the revision was written at it, holds the op id and is the confirmation's
   * order; the version before it (if any) does not hold the op id.
   */
  static void assertFirstHeldAt(Client raw, String prefix, Confirmation c) throws Exception {
    KeyValue kv = at(raw, prefix, c.orderId().value(), c.revision());
    assertThat(kv).as("etcd holds %s at revision %s", c.orderId(), c.revision()).isNotNull();
    assertThat(kv.getModRevision()).as("a version written at the revision").isEqualTo(c.revision());
    OrderRecord record = decode(kv);
    assertThat(record.appliedOps().contains(c.opId()))
        .as("the version holds op %s", c.opId())
        .isTrue();
    assertThat(record.toOrder()).isEqualTo(c.order());
    KeyValue before = at(raw, prefix, c.orderId().value(), c.revision() - 1);
    if (before != null) {
      assertThat(decode(before).appliedOps().contains(c.opId()))
          .as("the version before does not hold the op")
          .isFalse();
    }
  }
}
