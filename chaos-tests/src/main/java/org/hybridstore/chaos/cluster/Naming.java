package org.hybridstore.chaos.cluster;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.regex.Pattern;

/**
 * Names and addresses of one run, as pure functions of a random run id, so that two runs on one
 * machine cannot collide. Every name contains the run id:
 *
 * <pre>
 *   switch namespace   hs-RUNID-sw      bridge br0 inside it
 *   host namespace     hs-RUNID-hN      eth0 = 10.X.Y.(10+N)/24
 *   root veth          hsrRUNID         10.X.Y.1/24, peer v-root in the switch namespace
 *   host veth peer     v-hN             in the switch namespace (names there are private)
 * </pre>
 *
 * Interface names stay within Linux's 15 characters. The /24 is chosen at random among 10.16.0.0 ..
 * 10.250.255.0 so that it overlaps no address or route in use.
 */
// Parsing command output, whose trailing empty fields are meant to go.
@SuppressWarnings("StringSplitter")
final class Naming {

  /** Every namespace of ours starts with this. */
  static final String PREFIX = "hs-";

  static final String BRIDGE = "br0";
  static final String HOST_IF = "eth0";
  static final String ROOT_PEER = "v-root";
  static final int MAX_IFNAME = 15;
  private static final Pattern RUN_ID = Pattern.compile("[0-9a-f]{6}");

  private Naming() {}

  static String newRunId(Random random) {
    return String.format(Locale.ROOT, "%06x", random.nextInt(1 << 24));
  }

  static String requireRunId(String runId) {
    if (!RUN_ID.matcher(runId).matches()) {
      throw new IllegalArgumentException("run id must be 6 lowercase hex digits: " + runId);
    }
    return runId;
  }

  static String switchNamespace(String runId) {
    return PREFIX + runId + "-sw";
  }

  static String hostNamespace(String runId, int index) {
    return PREFIX + runId + "-h" + (index + 1);
  }

  static String hostName(int index) {
    return "h" + (index + 1);
  }

  /** The root-namespace end of the veth into the switch. */
  static String rootVeth(String runId) {
    return "hsr" + runId;
  }

  /** The temporary name of a host's veth end before it is renamed to eth0 in its namespace. */
  static String tmpVeth(String runId, int index) {
    return "hst" + runId + index;
  }

  /** The switch-side peer of host {@code index}. */
  static String switchPort(int index) {
    return "v-h" + (index + 1);
  }

  /** A private /24 in 10.0.0.0/8. */
  record Subnet(int second, int third) {

    Subnet {
      if (second < 0 || second > 255 || third < 0 || third > 255) {
        throw new IllegalArgumentException("bad subnet 10." + second + "." + third);
      }
    }

    String cidr() {
      return "10." + second + "." + third + ".0/24";
    }

    String rootAddress() {
      return "10." + second + "." + third + ".1";
    }

    String hostAddress(int index) {
      if (index < 0 || index > 200) {
        throw new IllegalArgumentException("host index out of range: " + index);
      }
      return "10." + second + "." + third + "." + (11 + index);
    }

    Cidr asCidr() {
      return Cidr.parse(cidr());
    }
  }

  /** An IPv4 prefix. */
  record Cidr(long address, int length) {

    static Cidr parse(String text) {
      String[] parts = text.strip().split("/", 2);
      String[] octets = parts[0].split("\\.");
      if (octets.length != 4) {
        throw new IllegalArgumentException("not an IPv4 address: " + text);
      }
      long a = 0;
      for (String o : octets) {
        int v = Integer.parseInt(o);
        if (v < 0 || v > 255) {
          throw new IllegalArgumentException("not an IPv4 address: " + text);
        }
        a = (a << 8) | v;
      }
      int len = parts.length == 2 ? Integer.parseInt(parts[1]) : 32;
      if (len < 0 || len > 32) {
        throw new IllegalArgumentException("bad prefix length: " + text);
      }
      return new Cidr(a, len);
    }

    static Optional<Cidr> tryParse(String text) {
      try {
        return Optional.of(parse(text));
      } catch (IllegalArgumentException e) {
        return Optional.empty();
      }
    }

    private static long mask(int len) {
      return len == 0 ? 0 : (0xFFFF_FFFFL << (32 - len)) & 0xFFFF_FFFFL;
    }

    boolean overlaps(Cidr other) {
      long m = mask(Math.min(length, other.length));
      return (address & m) == (other.address & m);
    }
  }

  /**
   * Picks a random 10.X.Y.0/24 that overlaps none of {@code inUse}.
   *
   * @throws ClusterException if none is found after many tries
   */
  static Subnet pickSubnet(Random random, Collection<Cidr> inUse) {
    for (int attempt = 0; attempt < 10_000; attempt++) {
      Subnet s = new Subnet(16 + random.nextInt(235), random.nextInt(256));
      Cidr c = s.asCidr();
      if (inUse.stream().noneMatch(c::overlaps)) {
        return s;
      }
    }
    throw new ClusterException("no free 10.X.Y.0/24 found; addresses in use: " + inUse);
  }

  /**
   * Extracts IPv4 prefixes from the output of {@code ip -o -4 addr show} and {@code ip -4 route
   * show}: any token that parses as an address, with or without a prefix length.
   */
  static List<Cidr> parseInUse(String ipOutput) {
    List<Cidr> result = new ArrayList<>();
    for (String line : ipOutput.split("\n")) {
      for (String token : line.trim().split("\\s+")) {
        if (token.matches("\\d+\\.\\d+\\.\\d+\\.\\d+(/\\d+)?")) {
          Cidr.tryParse(token).ifPresent(result::add);
        }
      }
    }
    return result;
  }
}
