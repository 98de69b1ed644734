package org.hybridstore.model;

import org.hybridstore.CorruptDataException;
import org.hybridstore.InvalidInputException;
import org.hybridstore.NodeId;

/**
 * Who wrote a value and when: a hybrid timestamp and the writing node. Stamps are totally ordered
 * (time, then node id), which is what makes last-writer-wins deterministic on every replica.
 *
 * @param time the writer's hybrid clock reading
 * @param node the writer
 */
public record Stamp(HybridTimestamp time, NodeId node) implements Comparable<Stamp> {
  @Override
  public int compareTo(Stamp o) {
    int c = time.compareTo(o.time);
    return c != 0 ? c : node.compareTo(o.node);
  }

  /** Returns {@code wall.logical@node}, the form used in encoded records. */
  @Override
  public String toString() {
    return time + "@" + node.value();
  }

  /**
   * Parses the form {@link #toString()} writes.
   *
   * @param text {@code wall.logical@node}
   * @return the stamp
   * @throws CorruptDataException if the text is not of that form
   */
  public static Stamp parse(String text) {
    int at = text.indexOf('@');
    if (at <= 0) {
      throw new CorruptDataException("malformed stamp '" + text + "': expected wall.logical@node");
    }
    try {
      return new Stamp(
          HybridTimestamp.parse(text.substring(0, at)), NodeId.of(text.substring(at + 1)));
    } catch (InvalidInputException e) {
      throw new CorruptDataException("malformed stamp '" + text + "'", e);
    }
  }
}
