package org.hybridstore.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.hybridstore.CorruptDataException;
import org.hybridstore.InvalidInputException;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.testing.RandomRecords;
import org.junit.jupiter.api.Test;

class CommandCodecTest {

  @Property(tries = 1000)
  void encodeDecode_roundTrips(@ForAll long seed) {
    RandomRecords random = new RandomRecords(seed, OrderId.of("o-1"));
    OrderCommand command =
        seed % 5 == 0 ? random.randomCreate(OrderId.of("o-2")) : random.randomCommand();
    assertThat(CommandCodec.decode(CommandCodec.encode(command))).isEqualTo(command);
  }

  private static OrderCommand decode(String json) {
    return CommandCodec.decode(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void decode_badInput() {
    assertThatThrownBy(() -> decode("{"))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("not JSON");
    assertThatThrownBy(() -> decode("{\"type\":\"teleport\",\"orderId\":\"o\",\"opId\":\"p\"}"))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("unknown command type 'teleport'");
    assertThatThrownBy(
            () ->
                decode(
                    "{\"type\":\"transition\",\"orderId\":\"o\",\"opId\":\"p\",\"to\":\"LOST\"}"))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("unknown status 'LOST'");
    assertThatThrownBy(() -> decode("{\"type\":\"refund\",\"orderId\":\"bad id\",\"opId\":\"p\"}"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("orderId");
    assertThatThrownBy(
            () ->
                decode(
                    "{\"type\":\"add-line\",\"orderId\":\"o\",\"opId\":\"p\",\"line\":{\"sku\":\"s\",\"qty\":-1,\"price\":1}}"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("quantity");
  }
}
