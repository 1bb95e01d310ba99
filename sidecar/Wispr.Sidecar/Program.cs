Console.Error.WriteLine("hello");
