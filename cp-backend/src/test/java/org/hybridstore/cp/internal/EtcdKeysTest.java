package org.hybridstore.cp.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.ByteSequence;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.NumericChars;
import net.jqwik.api.constraints.StringLength;
import org.hybridstore.InvalidInputException;
import org.hybridstore.OrderId;
import org.junit.jupiter.api.Test;

class EtcdKeysTest {
  private final EtcdKeys keys = new EtcdKeys("/hybridstore/orders/");

  @Test
  void key_isPrefixPlusOrderId() {
    assertThat(keys.keyString(OrderId.of("o-17"))).isEqualTo("/hybridstore/orders/o-17");
    assertThat(keys.key(OrderId.of("o-17")).toString(StandardCharsets.UTF_8)).isEqualTo("/hybridstore/orders/o-17");
  }

  @Test
  void prefixEnd_isPrefixWithLastByteIncremented() {
    assertThat(keys.prefixEnd().toString(StandardCharsets.UTF_8)).isEqualTo("/hybridstore/orders0");
    assertThat(EtcdKeys.rangeEnd(new byte[] {'a', (byte) 0xff})).containsExactly('b');
    assertThat(EtcdKeys.rangeEnd(new byte[] {(byte) 0xff})).containsExactly(0);
  }

  @Test
  void orderIdOf_foreignKeys_areNoOrders() {
    assertThat(keys.orderIdOf(ByteSequence.from("/hybridstore/orders/o-1", StandardCharsets.UTF_8)))
        .contains(OrderId.of("o-1"));
    assertThat(keys.orderIdOf(ByteSequence.from("/hybridstore/orders/", StandardCharsets.UTF_8))).isEmpty();
    assertThat(keys.orderIdOf(ByteSequence.from("/hybridstore/orders/a/b", StandardCharsets.UTF_8))).isEmpty();
    assertThat(keys.orderIdOf(ByteSequence.from("/other/o-1", StandardCharsets.UTF_8))).isEmpty();
  }

  @Test
  void prefix_mustStartAndEndWithSlash() {
    assertThatThrownBy(() -> new EtcdKeys("orders/")).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> new EtcdKeys("/orders")).isInstanceOf(InvalidInputException.class);
  }

  @Test
  void successor_isTheNextKeyInByteOrder() {
    ByteSequence k = ByteSequence.from("/p/a", StandardCharsets.UTF_8);
    byte[] next = EtcdKeys.successor(k).getBytes();
    assertThat(next).hasSize(5).endsWith(0);
  }

  @Property(tries = 200)
  void everyOrderKey_liesInsideThePrefixRange(@ForAll @AlphaChars @NumericChars @StringLength(min = 1, max = 64) String id) {
    ByteSequence key = keys.key(OrderId.of(id));
    assertThat(compare(key.getBytes(), keys.prefixBytes().getBytes())).isGreaterThan(0);
    assertThat(compare(key.getBytes(), keys.prefixEnd().getBytes())).isLessThan(0);
    assertThat(keys.orderIdOf(key)).contains(OrderId.of(id));
  }

  private static int compare(byte[] a, byte[] b) {
    return java.util.Arrays.compareUnsigned(a, b);
  }
}
