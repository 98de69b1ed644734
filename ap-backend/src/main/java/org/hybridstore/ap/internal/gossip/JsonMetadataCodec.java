package org.hybridstore.ap.internal.gossip;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scalecube.cluster.metadata.MetadataCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.hybridstore.ConsistencyMode;
import org.hybridstore.NodeId;
import org.hybridstore.ap.internal.wire.Counters;
import org.hybridstore.ap.internal.wire.NodeMeta;
import org.jspecify.annotations.Nullable;

/**
 * Membership metadata as JSON, {@code {"node":"n1","mode":"DEGRADED","epoch":3}}: only {@link
 * NodeMeta} is written and read, never through Java serialization. Unreadable metadata is counted
 * and read as absent. Thread-safe.
 */
public final class JsonMetadataCodec implements MetadataCodec {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_BYTES = 4096;

  private final Counters counters;

  /**
   * Creates the codec.
   *
   * @param counters where unreadable metadata is counted
   */
  public JsonMetadataCodec(Counters counters) {
    this.counters = counters;
  }

  @Override
  public ByteBuffer serialize(@Nullable Object metadata) {
    if (metadata == null) {
      return ByteBuffer.allocate(0);
    }
    if (!(metadata instanceof NodeMeta m)) {
      throw new IllegalArgumentException(
          metadata.getClass().getName() + " is not allowed as metadata");
    }
    ObjectNode n = JSON.createObjectNode();
    n.put("node", m.node().value());
    n.put("mode", m.mode().name());
    n.put("epoch", m.epoch());
    try {
      return ByteBuffer.wrap(JSON.writeValueAsBytes(n));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public @Nullable Object deserialize(@Nullable ByteBuffer buffer) {
    if (buffer == null || !buffer.hasRemaining()) {
      return null;
    }
    try {
      if (buffer.remaining() > MAX_BYTES) {
        throw new IllegalArgumentException("metadata of " + buffer.remaining() + " bytes");
      }
      byte[] bytes = new byte[buffer.remaining()];
      buffer.duplicate().get(bytes);
      JsonNode n = JSON.readTree(bytes);
      if (n == null
          || !n.get("node").isTextual()
          || !n.get("mode").isTextual()
          || !n.get("epoch").isIntegralNumber()) {
        throw new IllegalArgumentException("not node metadata");
      }
      return new NodeMeta(
          NodeId.of(n.get("node").asText()),
          ConsistencyMode.valueOf(n.get("mode").asText()),
          n.get("epoch").asLong());
    } catch (IOException | RuntimeException e) {
      counters.droppedMalformed();
      return null;
    }
  }
}
