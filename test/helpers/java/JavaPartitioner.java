// Prints the partition the Java producer picks for each key (base64 arguments), one per line,
// using the producer's own BuiltInPartitioner from the kafka-clients jar the suite runs on.
// Usage: java -cp '.kafka/libs/*' JavaPartitioner.java <numPartitions> <base64 key>...
import java.util.Base64;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;

public class JavaPartitioner {
  public static void main(String[] args) {
    int partitions = Integer.parseInt(args[0]);
    for (int i = 1; i < args.length; i++) {
      byte[] key = Base64.getDecoder().decode(args[i]);
      System.out.println(BuiltInPartitioner.partitionForKey(key, partitions));
    }
  }
}
