package org.hybridstore.model;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderLine;

/**
 * A stable fingerprint of a command's payload: the first 8 bytes of the SHA-256 of a canonical text
 * form. Stable across JVMs and versions (unlike {@code hashCode}, which is identity-based for
 * enums), so replicas on different nodes agree on whether two commands are the same.
 */
public final class CommandFingerprint {
  private CommandFingerprint() {}

  /**
   * Returns the fingerprint of a command.
   *
   * @param command the command
   * @return the fingerprint
   */
  public static long of(OrderCommand command) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(canonical(command).getBytes(StandardCharsets.UTF_8));
      return java.nio.ByteBuffer.wrap(digest).getLong();
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JDK has SHA-256", e);
    }
  }

  // Fields are joined by a character no validated field can contain, so no two commands share a
  // form.
  static String canonical(OrderCommand c) {
    StringBuilder b =
        new StringBuilder(c.getClass().getSimpleName())
            .append('\u0000')
            .append(c.orderId().value())
            .append('\u0000');
    if (c instanceof OrderCommand.Create x) {
      b.append(x.customer()).append('\u0000').append(x.currency());
      for (OrderLine l : x.lines()) {
        line(b, l);
      }
      x.attributes().forEach((k, v) -> b.append('\u0000').append(k).append('=').append(v));
    } else if (c instanceof OrderCommand.Transition x) {
      b.append(x.to().name());
    } else if (c instanceof OrderCommand.Cancel x) {
      b.append(x.reason());
    } else if (c instanceof OrderCommand.SetAttribute x) {
      b.append(x.key()).append('=').append(x.value());
    } else if (c instanceof OrderCommand.RemoveAttribute x) {
      b.append(x.key());
    } else if (c instanceof OrderCommand.AddLine x) {
      line(b, x.line());
    } else if (c instanceof OrderCommand.AdjustQuantity x) {
      b.append(x.sku()).append('+').append(x.delta());
    } else if (c instanceof OrderCommand.RemoveLine x) {
      b.append(x.sku());
    } else if (!(c instanceof OrderCommand.Refund)) {
      throw new AssertionError("unknown command " + c.getClass());
    }
    return b.toString();
  }

  private static void line(StringBuilder b, OrderLine l) {
    b.append('\u0000')
        .append(l.sku())
        .append('*')
        .append(l.quantity())
        .append('@')
        .append(l.unitPriceMinor());
  }
}
