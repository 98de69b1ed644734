package org.hybridstore.cp.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
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
    assertThat(keys.key(OrderId.of("o-17")).toStringUtf8()).isEqualTo("/hybridstore/orders/o-17");
  }

  @Test
  void prefixEnd_isPrefixWithLastByteIncremented() {
    assertThat(keys.prefixEnd().toStringUtf8()).isEqualTo("/hybridstore/orders0");
    assertThat(EtcdKeys.rangeEnd(new byte[] {'a', (byte) 0xff})).containsExactly('b');
    assertThat(EtcdKeys.rangeEnd(new byte[] {(byte) 0xff})).containsExactly(0);
  }

  @Test
  void orderIdOf_foreignKeys_areNoOrders() {
    assertThat(
            keys.orderIdOf(ByteString.copyFrom("/hybridstore/orders/o-1", StandardCharsets.UTF_8)))
        .contains(OrderId.of("o-1"));
    assertThat(keys.orderIdOf(ByteString.copyFrom("/hybridstore/orders/", StandardCharsets.UTF_8)))
        .isEmpty();
    assertThat(
            keys.orderIdOf(ByteString.copyFrom("/hybridstore/orders/a/b", StandardCharsets.UTF_8)))
        .isEmpty();
    assertThat(keys.orderIdOf(ByteString.copyFrom("/other/o-1", StandardCharsets.UTF_8))).isEmpty();
  }

  @Test
  void prefix_mustStartAndEndWithSlash() {
    assertThatThrownBy(() -> new EtcdKeys("orders/")).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> new EtcdKeys("/orders")).isInstanceOf(InvalidInputException.class);
  }

  @Test
  void successor_isTheNextKeyInByteOrder() {
    ByteString k = ByteString.copyFrom("/p/a", StandardCharsets.UTF_8);
    byte[] next = EtcdKeys.successor(k).toByteArray();
    assertThat(next).hasSize(5).endsWith(0);
  }

  @Property(tries = 200)
  void everyOrderKey_liesInsideThePrefixRange(
      @ForAll @AlphaChars @NumericChars @StringLength(min = 1, max = 64) String id) {
    ByteString key = keys.key(OrderId.of(id));
    assertThat(compare(key.toByteArray(), keys.prefixBytes().toByteArray())).isGreaterThan(0);
    assertThat(compare(key.toByteArray(), keys.prefixEnd().toByteArray())).isLessThan(0);
    assertThat(keys.orderIdOf(key)).contains(OrderId.of(id));
  }

  private static int compare(byte[] a, byte[] b) {
    return java.util.Arrays.compareUnsigned(a, b);
  }
}
