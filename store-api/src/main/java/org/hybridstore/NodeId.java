package org.hybridstore;

/**
 * The identity of one service node that embeds a store. It names the node's entry in version
 * vectors and breaks ties between equal clock stamps, so it must be unique in the cluster and
 * stable across restarts. Same rule as {@link OrderId}.
 *
 * @param value the id
 * @throws InvalidInputException if the id breaks the rule
 */
public record NodeId(String value) implements Comparable<NodeId> {
  /** Validates the id. */
  public NodeId {
    Ids.requireValid("nodeId", value);
  }

  /**
   * Returns the node id for a string.
   *
   * @param value the id
   * @return the node id
   * @throws InvalidInputException if the id breaks the rule
   */
  public static NodeId of(String value) {
    return new NodeId(value);
  }

  @Override
  public int compareTo(NodeId other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
