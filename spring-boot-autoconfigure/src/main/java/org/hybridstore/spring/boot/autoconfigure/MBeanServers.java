package org.hybridstore.spring.boot.autoconfigure;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import javax.management.MBeanServer;
import org.springframework.beans.factory.ObjectProvider;

/**
 * Where a store's MXBean may be registered: the application's MBeanServer beans, then the platform
 * server.
 */
final class MBeanServers {
  private MBeanServers() {}

  static Supplier<List<MBeanServer>> of(ObjectProvider<MBeanServer> beans) {
    return () -> {
      List<MBeanServer> servers = new ArrayList<>(beans.orderedStream().toList());
      MBeanServer platform = ManagementFactory.getPlatformMBeanServer();
      if (!servers.contains(platform)) {
        servers.add(platform);
      }
      return servers;
    };
  }
}
