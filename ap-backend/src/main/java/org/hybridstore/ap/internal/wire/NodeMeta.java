package org.hybridstore.ap.internal.wire;

import java.io.Serializable;
import java.util.Objects;
import org.hybridstore.ConsistencyMode;
import org.hybridstore.NodeId;

/**
 * What a node publishes in its membership metadata. {@code Serializable} only because ScaleCube's
 * config check demands it: the metadata codec writes it as JSON, never with Java serialization.
 *
 * @param node the node's id
 * @param mode its consistency mode
 * @param epoch its mode epoch
 */
public record NodeMeta(NodeId node, ConsistencyMode mode, long epoch) implements Serializable {
  /** Checks the fields. */
  public NodeMeta {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(mode, "mode");
  }
}
