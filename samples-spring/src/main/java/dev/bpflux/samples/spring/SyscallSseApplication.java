package dev.bpflux.samples.spring;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/**
 * Serves live syscalls as server-sent events: {@code GET /syscalls} (filters {@code pid},
 * {@code syscall}, {@code comm}) and {@code GET /syscalls/stats}. Needs root (or CAP_BPF +
 * CAP_PERFMON): the BPF object is loaded when the first client connects. It serves every process's
 * syscalls (paths, arguments) without authentication, so it listens on 127.0.0.1 only unless
 * {@code server.address} says otherwise (application.properties).
 *
 * <p>Settings (Spring properties, e.g. {@code --bpflux.sse.grace=5s}):
 * {@code bpflux.sse.grace} (default 2s: how long the object stays loaded after the last client
 * left, so a reconnecting browser does not reload it), {@code bpflux.sse.client-buffer} (default
 * 1024 events per client before that client's oldest events are dropped),
 * {@code bpflux.sse.trace-other} (default true: every syscall, not only openat, execve, write,
 * connect and kill), {@code server.port} (default 8080), {@code server.address} (default 127.0.0.1).
 */
@SpringBootApplication
public class SyscallSseApplication {

    public static void main(String[] args) {
        SpringApplication.run(SyscallSseApplication.class, args);
    }

    /**
     * Where the stream's {@code bpflux.stream.*} meters go; this sample has no Spring Boot
     * Actuator, which would otherwise provide (and publish) the registry.
     */
    @Bean
    MeterRegistry meterRegistry() {
        return new SimpleMeterRegistry();
    }
}
