package dev.hal9.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, item 3: strangers could grow the server's memory and hold its connections. POST /approvals/login needs
 * no token and took 4 MB bodies (200 concurrent posts took RSS from 181 MB to 2.5 GB); connections trickling header
 * bytes, incomplete bodies and idle connections were never closed; and {@code Connection: close} was ignored
 * (sockets stayed open ~360 s). The server here runs with short timeouts (2 s) so that each case is cut off well
 * inside the generous bound a test socket waits; a server that never cuts it off fails at that bound.
 */
class SlowClientsTest {

    /** How long a test waits for the server to close a connection before it calls the server wrong. */
    private static final int BOUND_MILLIS = 30_000;

    private static PackagedServer server;

    @BeforeAll
    static void start() {
        server = PackagedServer.http(
                PackagedServer.newHome(),
                Map.of(
                        "HAL9_SERVER_REQUEST__READ__TIMEOUT__SECONDS", "2",
                        "HAL9_SERVER_IDLE__TIMEOUT__SECONDS", "2"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aStrangersLargeLoginFormIsRefusedWithoutBeingRead() throws Exception {
        try (Socket socket = connect()) {
            // only the head: a server that means to read 1 MB from a stranger waits here instead of answering
            send(
                    socket,
                    "POST /approvals/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                            + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1048576\r\n\r\n");
            String answer = readUntilClosed(socket);
            assertThat(answer).startsWith("HTTP/1.1 413");
        }
    }

    @Test
    void aLoginFormOfTheUsualSizeIsStillAnswered() throws Exception {
        try (Socket socket = connect()) {
            String form = "token=hal9_not-a-token";
            send(
                    socket,
                    "POST /approvals/login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                            + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + form.length()
                            + "\r\n\r\n"
                            + form);
            assertThat(readUntilClosed(socket)).startsWith("HTTP/1.1 401");
        }
    }

    @Test
    void connectionCloseIsHonouredOnTheApprovalsPage() throws Exception {
        try (Socket socket = connect()) {
            send(socket, "GET /approvals HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
            assertThat(readUntilClosed(socket)).startsWith("HTTP/1.1 200").contains("hal9 approvals");
        }
    }

    @Test
    void headersTrickledByteByByteAreCutOff() throws Exception {
        try (Socket socket = connect()) {
            send(socket, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n");
            long bound = System.nanoTime() + BOUND_MILLIS * 1_000_000L;
            boolean closed = false;
            socket.setSoTimeout(500);
            while (!closed && System.nanoTime() < bound) {
                try {
                    send(socket, "X");
                    closed = socket.getInputStream().read() == -1;
                } catch (SocketTimeoutException e) {
                    // still open: trickle another byte
                } catch (IOException e) {
                    closed = true; // reset or broken pipe: the server closed it
                }
            }
            assertThat(closed).as("the server closed the trickling connection").isTrue();
        }
    }

    @Test
    void anIncompleteBodyIsCutOff() throws Exception {
        try (Socket socket = connect()) {
            send(
                    socket,
                    "POST /approvals/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                            + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ntoken=hal9_");
            readUntilClosed(socket);
        }
    }

    private static Socket connect() throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port());
        socket.setSoTimeout(BOUND_MILLIS);
        return socket;
    }

    private static void send(Socket socket, String text) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** Everything the server sends until it closes the connection; fails if it is still open at the bound. */
    private static String readUntilClosed(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        StringBuilder text = new StringBuilder();
        byte[] buffer = new byte[8192];
        try {
            int read;
            while ((read = in.read(buffer)) != -1) {
                text.append(new String(buffer, 0, read, StandardCharsets.UTF_8));
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError(
                    "the server kept the connection open for " + BOUND_MILLIS / 1000 + " s; it had sent: " + text);
        } catch (SocketException e) {
            // reset: closed as well
        }
        return text.toString();
    }
}
