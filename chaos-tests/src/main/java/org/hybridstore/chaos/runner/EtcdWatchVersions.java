package org.hybridstore.chaos.runner;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * etcd's versions of the keys under a prefix, from one watch that starts after a revision: etcd
 * replays every change since, value included, in revision order, then follows live changes. A
 * revision etcd compacted away fails the stream. The client connects with a 1 s deadline; the
 * caller bounds the whole stream ({@link EtcdHistory#read}).
 */
final class EtcdWatchVersions implements EtcdHistory.VersionSource {

  private final List<URI> endpoints;

  EtcdWatchVersions(List<URI> endpoints) {
    this.endpoints = List.copyOf(endpoints);
  }

  @Override
  public AutoCloseable stream(String keyPrefix, long afterRevision, EtcdHistory.VersionSink sink) {
    Client client =
        Client.builder()
            .endpoints(endpoints)
            .connectTimeout(Duration.ofSeconds(1))
            .maxInboundMessageSize(64 * 1024 * 1024)
            .build();
    Watch.Watcher watcher =
        client
            .getWatchClient()
            .watch(
                ByteSequence.from(keyPrefix, StandardCharsets.UTF_8),
                WatchOption.builder().isPrefix(true).withRevision(afterRevision + 1).build(),
                Watch.listener(
                    response -> {
                      for (WatchEvent e : response.getEvents()) {
                        if (e.getEventType() == WatchEvent.EventType.PUT) {
                          KeyValue kv = e.getKeyValue();
                          sink.version(
                              kv.getKey().toString(StandardCharsets.UTF_8),
                              kv.getModRevision(),
                              kv.getValue().getBytes());
                        }
                      }
                    },
                    sink::failed));
    return () -> {
      watcher.close();
      client.close();
    };
  }
}
