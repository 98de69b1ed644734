package org.hybridstore.example;

import com.sun.net.httpserver.Authenticator;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.jolokia.core.api.LogHandler;
import org.jolokia.jvmagent.JolokiaServer;
import org.jolokia.jvmagent.JolokiaServerConfig;
import org.jolokia.jvmagent.security.UserPasswordHttpAuthenticator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded Jolokia agent: JMX over HTTP/JSON for the dashboard, Hawtio and other web consoles.
 *
 * <p>Secure by default: bound to {@code 127.0.0.1}, and the access policy {@value
 * #READ_ONLY_POLICY} allows only {@code read}, {@code list}, {@code search} and {@code version}.
 * With operations enabled the policy is {@value #OPERATIONS_POLICY} ({@code exec} and {@code write}
 * too, except on the JDK's diagnostic MBeans), and {@link OperationsAuthenticator} demands the
 * configured credentials (Jolokia's basic authentication) for everything but reads. If a policy
 * cannot be loaded, Jolokia denies everything. CORS is Jolokia's default (any origin may read), so
 * one dashboard can read every node.
 */
final class JolokiaAgent implements AutoCloseable {
  /** The policy without operations (read-only). */
  static final String READ_ONLY_POLICY = "classpath:/org/hybridstore/example/jolokia-access.xml";

  /** The policy with operations (exec and write with credentials). */
  static final String OPERATIONS_POLICY =
      "classpath:/org/hybridstore/example/jolokia-access-operations.xml";

  static final String CONTEXT = "/jolokia";
  static final String REALM = "hybridstore";

  private static final Logger LOG = LoggerFactory.getLogger(JolokiaAgent.class);

  private final JolokiaServer server;

  private JolokiaAgent(JolokiaServer server) {
    this.server = server;
  }

  /**
   * Starts an agent on the platform MBean server.
   *
   * @param settings where to listen and what to allow
   * @param agentId Jolokia's agent id (the node id)
   * @return the running agent
   * @throws IOException if the port cannot be bound
   */
  static JolokiaAgent start(ServiceConfig.JolokiaSettings settings, String agentId)
      throws IOException {
    Map<String, String> m = new HashMap<>();
    m.put("host", settings.host());
    m.put("port", Integer.toString(settings.port()));
    m.put("agentContext", CONTEXT);
    m.put("agentId", agentId);
    m.put("agentDescription", "HybridStore order service " + agentId);
    m.put("policyLocation", settings.operations() ? OPERATIONS_POLICY : READ_ONLY_POLICY);
    m.put("discoveryEnabled", "false");
    m.put("includeStackTrace", "false");
    m.put("executor", "fixed");
    m.put("threadNr", "4");
    m.put("threadNamePrefix", "jolokia-" + agentId + "-");
    Authenticator auth =
        settings.operations()
            ? new OperationsAuthenticator(
                new UserPasswordHttpAuthenticator(REALM, settings.user(), settings.password()),
                CONTEXT,
                REALM)
            : null;
    JolokiaServer server = new JolokiaServer(new Config(m, auth), new Slf4jLog());
    server.start();
    JolokiaAgent agent = new JolokiaAgent(server);
    LOG.info(
        "jolokia at {} ({})",
        agent.url(),
        settings.operations()
            ? "read open, exec and write for user " + settings.user()
            : "read-only");
    return agent;
  }

  /** Returns the agent's URL, ending in {@code /jolokia/}. */
  String url() {
    String u = server.getUrl();
    return u.endsWith("/") ? u : u + "/";
  }

  /** Returns the port it listens on. */
  int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (IllegalStateException e) {
      // Called from a shutdown hook: Jolokia cannot remove its own hook ("Shutdown in progress"),
      // and that hook stops its HTTP server anyway.
      LOG.debug("jolokia stopped during JVM shutdown: {}", e.toString());
    }
  }

  /**
   * Jolokia's server config with our authenticator instead of the one it builds from user/password.
   */
  private static final class Config extends JolokiaServerConfig {
    private final @Nullable Authenticator authenticator; // null: read-only, no authentication

    Config(Map<String, String> config, @Nullable Authenticator authenticator) {
      super(config);
      this.authenticator = authenticator;
    }

    @Override
    public @Nullable Authenticator getAuthenticator() {
      return authenticator;
    }
  }

  /**
   * Jolokia's log into SLF4J (its default handler writes to stdout, where the service prints
   * READY).
   */
  private static final class Slf4jLog implements LogHandler {
    private static final Logger JOLOKIA = LoggerFactory.getLogger("org.jolokia");

    @Override
    public void debug(String message) {
      JOLOKIA.debug(message);
    }

    @Override
    public void info(String message) {
      JOLOKIA.debug(message); // Jolokia is chatty at info; our own line says where it listens
    }

    @Override
    public void error(String message, Throwable t) {
      JOLOKIA.error(message, t);
    }

    @Override
    public boolean isDebug() {
      return JOLOKIA.isDebugEnabled();
    }
  }
}
