package org.hybridstore.chaos.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NamingTest {

  @Test
  void runId_isSixHexDigitsAndVaries() {
    Random random = new Random(42);
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 100; i++) {
      String id = Naming.newRunId(random);
      assertThat(id).matches("[0-9a-f]{6}");
      assertThat(Naming.requireRunId(id)).isEqualTo(id);
      ids.add(id);
    }
    assertThat(ids).hasSizeGreaterThan(95);
  }

  @Test
  void requireRunId_rejectsOtherShapes() {
    assertThatThrownBy(() -> Naming.requireRunId("ABCDEF"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Naming.requireRunId("12345"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Naming.requireRunId("1234567"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void names_carryTheRunIdAndFitLinuxLimits() {
    String id = "0a1b2c";
    assertThat(Naming.switchNamespace(id)).isEqualTo("hs-0a1b2c-sw");
    assertThat(Naming.hostNamespace(id, 0)).isEqualTo("hs-0a1b2c-h1");
    assertThat(Naming.hostNamespace(id, 4)).isEqualTo("hs-0a1b2c-h5");
    assertThat(Naming.hostName(2)).isEqualTo("h3");
    for (String ifname :
        List.of(
            Naming.rootVeth(id),
            Naming.tmpVeth(id, 4),
            Naming.switchPort(4),
            Naming.ROOT_PEER,
            Naming.BRIDGE,
            Naming.HOST_IF)) {
      assertThat(ifname.length()).as(ifname).isLessThanOrEqualTo(Naming.MAX_IFNAME);
    }
    assertThat(Naming.rootVeth(id)).contains(id);
    assertThat(Naming.tmpVeth(id, 3)).contains(id);
  }

  @Test
  void names_ofTwoRunsNeverCollide() {
    for (int i = 0; i < 5; i++) {
      assertThat(Naming.hostNamespace("aaaaaa", i)).isNotEqualTo(Naming.hostNamespace("aaaaab", i));
    }
    assertThat(Naming.rootVeth("aaaaaa")).isNotEqualTo(Naming.rootVeth("aaaaab"));
  }

  @Test
  void subnet_addresses() {
    Naming.Subnet s = new Naming.Subnet(77, 3);
    assertThat(s.cidr()).isEqualTo("10.77.3.0/24");
    assertThat(s.rootAddress()).isEqualTo("10.77.3.1");
    assertThat(s.hostAddress(0)).isEqualTo("10.77.3.11");
    assertThat(s.hostAddress(4)).isEqualTo("10.77.3.15");
  }

  @Test
  void cidr_overlaps() {
    assertThat(Naming.Cidr.parse("10.0.0.0/8").overlaps(Naming.Cidr.parse("10.77.3.0/24")))
        .isTrue();
    assertThat(Naming.Cidr.parse("10.77.3.9").overlaps(Naming.Cidr.parse("10.77.3.0/24"))).isTrue();
    assertThat(Naming.Cidr.parse("10.77.4.0/24").overlaps(Naming.Cidr.parse("10.77.3.0/24")))
        .isFalse();
    assertThat(Naming.Cidr.parse("192.0.2.2/24").overlaps(Naming.Cidr.parse("10.77.3.0/24")))
        .isFalse();
    assertThat(Naming.Cidr.parse("0.0.0.0/0").overlaps(Naming.Cidr.parse("10.77.3.0/24"))).isTrue();
  }

  @Test
  void pickSubnet_avoidsEverythingInUse() {
    // Given everything in 10.16.0.0 .. 10.249.255.0 in use except 10.250.0.0/16
    List<Naming.Cidr> inUse = new java.util.ArrayList<>();
    for (int b = 0; b < 250; b++) {
      inUse.add(Naming.Cidr.parse("10." + b + ".0.0/16"));
    }
    Naming.Subnet s = Naming.pickSubnet(new Random(1), inUse);
    assertThat(s.second()).isEqualTo(250);
  }

  @Test
  void pickSubnet_failsWhenNothingIsFree() {
    assertThatThrownBy(
            () -> Naming.pickSubnet(new Random(1), List.of(Naming.Cidr.parse("10.0.0.0/8"))))
        .isInstanceOf(ClusterException.class);
  }

  @Test
  void parseInUse_readsIpOutput() {
    String out =
        "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever\n"
            + "2: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0\n"
            + "default via 192.0.2.1 dev eth0\n"
            + "10.77.3.0/24 dev hsrabcdef proto kernel scope link src 10.77.3.1\n";
    List<Naming.Cidr> cidrs = Naming.parseInUse(out);
    assertThat(cidrs)
        .contains(
            Naming.Cidr.parse("127.0.0.1/8"),
            Naming.Cidr.parse("192.0.2.2/24"),
            Naming.Cidr.parse("10.77.3.0/24"),
            Naming.Cidr.parse("10.77.3.1"),
            Naming.Cidr.parse("192.0.2.1"));
    Naming.Subnet s = Naming.pickSubnet(new Random(7), cidrs);
    assertThat(cidrs).noneMatch(c -> c.overlaps(s.asCidr()));
  }
}
