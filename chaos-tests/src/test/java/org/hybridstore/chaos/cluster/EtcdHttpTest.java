package org.hybridstore.chaos.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EtcdHttpTest {

  @Test
  void parseStatus_withLeader() {
    String body =
        "{\"header\":{\"cluster_id\":\"15118495548433857066\",\"member_id\":\"13668033151171901709\","
            + "\"revision\":\"1\",\"raft_term\":\"2\"},\"version\":\"3.4.23\",\"dbSize\":\"20480\","
            + "\"leader\":\"13668033151171901709\",\"raftIndex\":\"4\",\"raftTerm\":\"2\"}";
    EtcdStatus s = EtcdHttp.parseStatus(body).orElseThrow();
    assertThat(s)
        .isEqualTo(new EtcdStatus("13668033151171901709", "13668033151171901709", 2, 4, List.of()));
    assertThat(s.hasLeader()).isTrue();
    assertThat(s.isLeader()).isTrue();
  }

  @Test
  void parseStatus_noLeader() {
    String body =
        "{\"header\":{\"member_id\":\"42\",\"raft_term\":\"9\"},\"raftIndex\":\"10\",\"raftTerm\":\"9\","
            + "\"errors\":[\"etcdserver: no leader\"]}";
    EtcdStatus s = EtcdHttp.parseStatus(body).orElseThrow();
    assertThat(s.leaderId()).isEqualTo("0");
    assertThat(s.errors()).containsExactly("etcdserver: no leader");
    assertThat(s.hasLeader()).isFalse();
    assertThat(s.isLeader()).isFalse();
  }

  @Test
  void parseStatus_garbage() {
    assertThat(EtcdHttp.parseStatus("not json")).isEmpty();
    assertThat(EtcdHttp.parseStatus("{\"error\":\"x\"}")).isEmpty();
  }

  @Test
  void parseMembers() {
    String body =
        "{\"header\":{},\"members\":[{\"ID\":\"1\",\"name\":\"h1\"},{\"ID\":\"2\",\"name\":\"h2\"}]}";
    assertThat(EtcdHttp.parseMembers(body)).contains(Map.of("1", "h1", "2", "h2"));
    assertThat(EtcdHttp.parseMembers("{}")).isEmpty();
  }

  @Test
  void parseRange_aVersion_anAbsentKey_andNoAnswer() {
    String body =
        "{\"header\":{\"revision\":\"42\"},\"kvs\":[{\"key\":\"L2E=\",\"mod_revision\":\"17\","
            + "\"value\":\"aGk=\"}],\"count\":\"1\"}";
    KeyVersion v = EtcdHttp.parseRange(body).orElseThrow().orElseThrow();
    assertThat(v.modRevision()).isEqualTo(17);
    assertThat(v.readAt()).isEqualTo(42);
    assertThat(new String(v.value(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("hi");
    // etcd omits "kvs" when the key did not exist at that revision
    assertThat(EtcdHttp.parseRange("{\"header\":{\"revision\":\"42\"}}"))
        .contains(java.util.Optional.empty());
    // an error (a compacted revision answers {"error": ...}) or garbage is no answer, never
    // "absent"
    assertThat(
            EtcdHttp.parseRange(
                "{\"error\":\"etcdserver: mvcc: required revision has been compacted\"}"))
        .isEmpty();
    assertThat(EtcdHttp.parseRange("not json")).isEmpty();
  }
}
