package barrierscope;

import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.FileSystemFactory;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.fs.local.LocalFileSystem;

import java.io.IOException;
import java.net.URI;

/**
 * {@code flaky:///abs/path}: the local file system, except that during a scenario's
 * {@code storage_outage} window every mkdirs, create, open, rename and every write, flush or
 * close of an open output stream throws an IOException. Checkpoint and savepoint storage point here.
 */
public final class FlakyFs extends LocalFileSystem {
    public static final String SCHEME = "flaky";
    private static final URI ROOT = URI.create(SCHEME + ":///");

    static void check(String what, Path p) throws IOException {
        if (Reg.storageDown()) {
            Reg.storageFailure(what, p == null ? null : p.toString());
            throw new IOException("BarrierScope: checkpoint storage unreachable (injected storage outage): "
                    + what + " " + p);
        }
    }

    @Override public URI getUri() { return ROOT; }
    @Override public boolean isDistributedFS() { return true; }

    @Override
    public boolean mkdirs(Path p) throws IOException {
        check("mkdirs", p);
        return super.mkdirs(p);
    }

    @Override
    public FSDataOutputStream create(Path p, WriteMode mode) throws IOException {
        check("create", p);
        return new Out(super.create(p, mode), p);
    }

    @Override
    public FSDataInputStream open(Path p, int bufferSize) throws IOException {
        check("open", p);
        return super.open(p, bufferSize);
    }

    @Override
    public FSDataInputStream open(Path p) throws IOException {
        check("open", p);
        return super.open(p);
    }

    @Override
    public boolean rename(Path a, Path b) throws IOException {
        check("rename", a);
        return super.rename(a, b);
    }

    /** An output stream that fails while storage is down. */
    static final class Out extends FSDataOutputStream {
        private final FSDataOutputStream d;
        private final Path p;

        Out(FSDataOutputStream d, Path p) { this.d = d; this.p = p; }

        @Override public void write(int b) throws IOException { check("write", p); d.write(b); }
        @Override public void write(byte[] b, int o, int l) throws IOException { check("write", p); d.write(b, o, l); }
        @Override public long getPos() throws IOException { return d.getPos(); }
        @Override public void flush() throws IOException { check("flush", p); d.flush(); }
        @Override public void sync() throws IOException { check("sync", p); d.sync(); }

        @Override
        public void close() throws IOException {
            try {
                check("close", p);
            } catch (IOException e) {
                d.close();
                throw e;
            }
            d.close();
        }
    }

    /** Registered through META-INF/services/org.apache.flink.core.fs.FileSystemFactory. */
    public static final class Factory implements FileSystemFactory {
        @Override public String getScheme() { return SCHEME; }
        @Override public FileSystem create(URI uri) { return new FlakyFs(); }
    }
}
